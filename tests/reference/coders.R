# Reference numbers for ipss_survey.stats.coder_agreement (Cohen's kappa).
# Run from this folder:  Rscript coders.R   (writes coders.csv and coders.json)
#
# Two coders' codes of one theme (1 = the answer mentions it, 0 = it does not, NA = the coder
# did not code that answer), one row per answer, in coders.csv; psych::cohen.kappa on each case's
# two columns gives the kappa, its variance and its 95% interval in coders.json. The Python tests
# read the same CSV, so both compute from the same codes.
source("common.R")

# A case from a 2 x 2 count table: rows = coder1 (0, 1), columns = coder2 (0, 1).
from_table <- function(t) {
  t <- matrix(t, 2, 2, byrow = TRUE)
  c1 <- c2 <- integer(0)
  for (i in 1:2) for (j in 1:2) {
    c1 <- c(c1, rep(i - 1L, t[i, j]))
    c2 <- c(c2, rep(j - 1L, t[i, j]))
  }
  data.frame(coder1 = c1, coder2 = c2)
}

set.seed(20240611)
cases <- list(
  # both coders give every answer the same code
  perfect = from_table(c(14, 0, 0, 6)),
  # cells proportional to the margins (0.6/0.4 x 0.5/0.5): agreement at chance level, kappa = 0
  chance = from_table(c(12, 12, 8, 8)),
  # a rare theme: 92% raw agreement, yet a low kappa
  skewed = from_table(c(52, 3, 2, 3)),
  moderate = from_table(c(20, 5, 4, 11)),
  # less agreement than chance: a negative kappa
  worse_than_chance = from_table(c(2, 8, 9, 1)),
  # coder1 never uses the theme, coder2 does five times: kappa = 0
  one_coder_never = from_table(c(15, 5, 0, 0)),
  # a small table whose normal interval passes 1: psych clips it to 1
  near_perfect_small = from_table(c(9, 1, 0, 10))
)
# Correlated random codes: coder2 copies coder1 and changes 15% of the codes.
c1 <- rbinom(200, 1, 0.3)
flip <- rbinom(200, 1, 0.15)
cases$random_200 <- data.frame(coder1 = c1, coder2 = ifelse(flip == 1, 1L - c1, c1))
# Answers one coder or the other did not code (NA): psych's table() leaves those pairs out.
c1 <- rbinom(40, 1, 0.4)
c2 <- ifelse(rbinom(40, 1, 0.2) == 1, 1L - c1, c1)
c1[c(3, 11, 17)] <- NA
c2[c(5, 11, 30, 38)] <- NA
cases$with_missing <- data.frame(coder1 = c1, coder2 = c2)
# Nominal codes with three values (not a binary theme): the same definition applies.
c1 <- sample(1:3, 30, replace = TRUE, prob = c(0.5, 0.3, 0.2))
c2 <- ifelse(rbinom(30, 1, 0.3) == 1, sample(1:3, 30, replace = TRUE), c1)
cases$three_values <- data.frame(coder1 = c1, coder2 = c2)
# A theme nobody used: one value only, kappa undefined (psych: NA, with a message).
cases$not_used <- from_table(c(25, 0, 0, 0))

results <- list()
rows <- list()
for (name in names(cases)) {
  d <- cases[[name]]
  ck <- suppressWarnings(suppressMessages(psych::cohen.kappa(d)))
  pairs <- d[!is.na(d$coder1) & !is.na(d$coder2), ]
  results[[length(results) + 1]] <- list(
    case = name,
    n_rows = nrow(d),
    n_obs = ck$n.obs,
    agreement = mean(pairs$coder1 == pairs$coder2),
    kappa = ck$kappa,
    var_kappa = ck$var.kappa,
    ci = as.numeric(ck$confid[1, c("lower", "upper")]),
    bad = ck$bad
  )
  rows[[length(rows) + 1]] <- data.frame(case = name, unit = seq_len(nrow(d)), d)
}
write.csv(do.call(rbind, rows), "coders.csv", row.names = FALSE, na = "", quote = FALSE)
write_reference(list(
  versions = versions(),
  calls = list(
    kappa = "psych::cohen.kappa(data.frame(coder1, coder2))$kappa",
    var_kappa = "psych::cohen.kappa(...)$var.kappa",
    ci = "psych::cohen.kappa(...)$confid['unweighted kappa', c('lower', 'upper')]  # alpha = .05",
    n_obs = "psych::cohen.kappa(...)$n.obs  # pairs both coders coded",
    agreement = "mean(coder1 == coder2) over the pairs both coders coded"
  ),
  cases = results
), "coders.json")
for (r in results) cat(sprintf("%-20s n=%3d kappa=%s ci=[%s]\n", r$case, r$n_obs,
                               format(r$kappa, digits = 6),
                               paste(format(r$ci, digits = 6), collapse = ", ")))
