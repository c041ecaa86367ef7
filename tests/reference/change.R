# Reference numbers for ipss_survey.stats.change: change between two waves.
# Run from this folder:  Rscript change.R   (writes msqR_change.csv and change.json)
#
# Data: psychTools::msqR, mood adjectives rated 0-3 (not at all, a little, moderately, very
# much) by the same people at several times; times 1 and 2 (the same session) are the two
# waves here. id is unique within a study, so a person is study:id; the two rows with no id
# are left out. Scales (keys printed in ?psychTools::msqR): EA energetic arousal, TA tense
# arousal (Thayer), PA positive affect, NAf negative affect (PANAS), "-" reverse-keyed.
# Construct scores as the results contract defines them (common.R); an item agrees when its
# code is at least 2 (moderately, very much).
source("common.R")

msq_keys <- list(
  EA = c("active", "energetic", "vigorous", "wakeful", "wide.awake", "full.of.pep",
         "lively", "-sleepy", "-tired", "-drowsy"),
  TA = c("intense", "jittery", "fearful", "tense", "clutched.up", "-quiet", "-still",
         "-placid", "-calm", "-at.rest"),
  PA = c("active", "excited", "strong", "inspired", "determined", "attentive",
         "interested", "enthusiastic", "proud", "alert"),
  NAf = c("jittery", "nervous", "scared", "afraid", "guilty", "ashamed", "distressed",
          "upset", "hostile", "irritable")
)
points <- 0:3
agree_from <- 2
items <- unique(item_codes(unlist(msq_keys)))

data(msqR, package = "psychTools")
d <- msqR[msqR$time %in% 1:2 & !is.na(msqR$id), c("study", "id", "time", items)]
d$person <- paste(d$study, d$id, sep = ":")
stopifnot(!any(duplicated(d[, c("person", "time")])))
d <- d[order(d$time, d$study, d$id), ]
for (s in names(msq_keys)) d[[s]] <- construct_score(reverse_keyed(d, msq_keys[[s]], points))
out <- d[, c("person", "study", "id", "time", items, names(msq_keys))]
for (it in c("id", "time", items)) out[[it]] <- as.integer(out[[it]])
write_csv17(out, "msqR_change.csv")
d <- read.csv("msqR_change.csv", stringsAsFactors = FALSE)  # what the Python tests read
for (s in names(msq_keys)) {
  stopifnot(identical(d[[s]], construct_score(reverse_keyed(d, msq_keys[[s]], points))))
}

baseline <- d[d$time == 1, ]
followup <- d[d$time == 2, ]
pairs <- merge(baseline, followup, by = "person", suffixes = c(".b", ".f"))

# ---- paired: wilcox.test(followup, baseline, paired = TRUE, digits.rank = 7) ----
signed_rank_case <- function(label, scale, keep) {
  b <- pairs[[paste0(scale, ".b")]][keep]
  f <- pairs[[paste0(scale, ".f")]][keep]
  ok <- complete.cases(b, f)
  diff <- f[ok] - b[ok]
  test <- suppressWarnings(wilcox.test(f, b, paired = TRUE, digits.rank = 7))
  plain <- suppressWarnings(wilcox.test(f, b, paired = TRUE))  # digits.rank = Inf
  n <- sum(diff != 0)
  v <- unname(test$statistic)
  # the persons are listed for the hand-picked subsets only (the others are all pairs or a study)
  persons <- if (startsWith(label, "distinct")) I(pairs$person[keep]) else NULL
  list(label = label, scale = scale, study = if (label == "RAFT") "RAFT" else NULL,
       persons = persons, n = sum(ok),
       n_zeros = sum(diff == 0), n_nonzero = n, V = v, p_value = test$p.value,
       method = test$method, rank_biserial = (v - (n * (n + 1) / 2 - v)) / (n * (n + 1) / 2),
       digits_rank_inf = list(V = unname(plain$statistic), p_value = plain$p.value,
                              method = plain$method))
}
everyone <- rep(TRUE, nrow(pairs))
paired_cases <- lapply(names(msq_keys), function(s) signed_rank_case("all pairs", s, everyone))
# A small study (n < 50 with ties: the normal approximation although exact = NULL asks for
# the exact test).
raft <- pairs$study.b == "RAFT"
for (s in c("EA", "TA")) {
  paired_cases[[length(paired_cases) + 1]] <- signed_rank_case("RAFT", s, raft)
}
# n < 50, no ties, no zeros (exact): the first pair (in person order) of each distinct
# non-zero |difference| of EA on 7 significant digits, 30 pairs.
first_distinct <- function(scale, size) {
  diff <- pairs[[paste0(scale, ".f")]] - pairs[[paste0(scale, ".b")]]
  key <- signif(abs(diff), 7)
  ok <- !is.na(diff) & diff != 0 & !duplicated(key)
  ok[ok] <- seq_len(sum(ok)) <= size
  ok
}
paired_cases[[length(paired_cases) + 1]] <- signed_rank_case("distinct, 30", "EA",
                                                             first_distinct("EA", 30))
paired_cases[[length(paired_cases) + 1]] <- signed_rank_case("distinct, 12", "TA",
                                                             first_distinct("TA", 12))

# Differences equal in exact arithmetic but not as doubles (10/3 - 1/3 != 3): digits.rank = 7
# ties them, digits.rank = Inf does not (and takes the exact branch). Scores k/den, stored as
# integers so both languages make the same doubles.
noise <- list(b_num = c(4, 8, 1, 1, 0, 0, 3, 2, 1, 3, 1), b_den = c(3, 3, 1, 6, 1, 1, 1, 7, 9, 1, 2),
              f_num = c(7, 5, 2, 13, 2, 1, 7, 1, 25, 0, 1), f_den = c(3, 3, 1, 6, 1, 2, 4, 1, 9, 1, 4))
nb <- noise$b_num / noise$b_den
nf <- noise$f_num / noise$f_den
noise_test <- suppressWarnings(wilcox.test(nf, nb, paired = TRUE, digits.rank = 7))
noise_plain <- wilcox.test(nf, nb, paired = TRUE)
noise$V <- unname(noise_test$statistic)
noise$p_value <- noise_test$p.value
noise$method <- noise_test$method
noise$digits_rank_inf <- list(V = unname(noise_plain$statistic), p_value = noise_plain$p.value,
                              method = noise_plain$method)

# ---- paired: McNemar per item, agreement = code >= 2 ----
mcnemar_case <- function(label, item, keep) {
  b <- pairs[[paste0(item, ".b")]][keep] >= agree_from
  f <- pairs[[paste0(item, ".f")]][keep] >= agree_from
  ok <- complete.cases(b, f)
  tb <- table(factor(b[ok], levels = c(TRUE, FALSE)), factor(f[ok], levels = c(TRUE, FALSE)))
  test <- mcnemar.test(tb)
  list(label = label, item = item, n = sum(ok),
       table = unname(lapply(1:2, function(i) as.integer(tb[i, ]))),
       statistic = unname(test$statistic), p_value = test$p.value, method = test$method)
}
mcnemar_cases <- c(lapply(items, function(it) mcnemar_case("all pairs", it, everyone)),
                   lapply(items, function(it) mcnemar_case("RAFT", it, raft)))

# ---- independent: wilcox.test(followup, baseline) ----
rank_sum_case <- function(label, scale, f, b) {
  test <- suppressWarnings(wilcox.test(f, b))
  f <- f[!is.na(f)]
  b <- b[!is.na(b)]
  w <- unname(test$statistic)
  list(label = label, scale = scale, n_followup = length(f), n_baseline = length(b),
       W = w, p_value = test$p.value, method = test$method,
       rank_biserial = 2 * w / (length(f) * length(b)) - 1)
}
rank_sum_cases <- lapply(names(msq_keys), function(s) {
  rank_sum_case("all", s, followup[[s]], baseline[[s]])
})
for (s in c("EA", "NAf")) {
  rank_sum_cases[[length(rank_sum_cases) + 1]] <- rank_sum_case(
    "RAFT", s, followup[[s]][followup$study == "RAFT"], baseline[[s]][baseline$study == "RAFT"])
}
# Both samples < 50 with no tie (exact): in row order, the follow-up scores and then the
# baseline scores not yet taken (EA, 14 and 11 scores; PA, 9 and 16).
distinct_samples <- function(scale, nf, nb) {
  f <- followup[[scale]]
  f <- f[!is.na(f) & !duplicated(f)][seq_len(nf)]
  b <- baseline[[scale]]
  b <- b[!is.na(b) & !duplicated(b) & !(b %in% f)][seq_len(nb)]
  list(f = f, b = b, f_rows = match(f, followup[[scale]]), b_rows = match(b, baseline[[scale]]))
}
for (spec in list(list("EA", 14, 11), list("PA", 9, 16))) {
  s <- distinct_samples(spec[[1]], spec[[2]], spec[[3]])
  r <- rank_sum_case("distinct", spec[[1]], s$f, s$b)
  r$followup_rows <- s$f_rows  # 1-based rows among the wave's rows of msqR_change.csv
  r$baseline_rows <- s$b_rows
  rank_sum_cases[[length(rank_sum_cases) + 1]] <- r
}
# The exact distribution at the largest sizes the exact branch takes, and small ones.
pwilcox_cases <- lapply(list(c(49, 49), c(49, 1), c(1, 49), c(30, 17), c(3, 4), c(12, 12)),
                        function(mn) {
  m <- mn[1]
  n <- mn[2]
  q <- unique(pmax(0, round(c(0, 1, 5, m * n / 10, m * n / 3, m * n / 2 - 1))))
  list(m = m, n = n, q = q, lower = pwilcox(q, m, n),
       upper = pwilcox(q - 1, m, n, lower.tail = FALSE))
})

# ---- independent: prop.test(c(x_f, x_b), c(n_f, n_b)), Fisher when an expected count < 5 ----
proportion_case <- function(label, item, f, b) {
  f <- f[!is.na(f)] >= agree_from
  b <- b[!is.na(b)] >= agree_from
  x <- c(sum(f), sum(b))
  n <- c(length(f), length(b))
  test <- suppressWarnings(prop.test(x, n))
  expected <- outer(n, c(sum(x) / sum(n), 1 - sum(x) / sum(n)))
  tb <- matrix(c(x, n - x), 2)
  list(label = label, item = item, x = x, n = n,
       statistic = unname(test$statistic), p_value = test$p.value, method = test$method,
       conf_int = as.numeric(test$conf.int), expected_min = min(expected),
       fisher_p_value = fisher.test(tb)$p.value, fisher_method = fisher.test(tb)$method)
}
proportion_cases <- c(
  lapply(items, function(it) proportion_case("all", it, followup[[it]], baseline[[it]])),
  lapply(items, function(it) {
    proportion_case("RAFT", it, followup[[it]][followup$study == "RAFT"],
                    baseline[[it]][baseline$study == "RAFT"])
  })
)

# ---- hand-sized cases ----
hand_mcnemar <- lapply(list(c(10, 3, 8, 5), c(4, 6, 6, 2), c(5, 1, 0, 5), c(7, 0, 0, 3),
                            c(0, 12, 2, 0)), function(cells) {
  tb <- matrix(cells, 2, byrow = TRUE)  # rows baseline (agrees, not), columns follow-up
  test <- mcnemar.test(tb)
  list(table = list(cells[1:2], cells[3:4]), statistic = unname(test$statistic),
       p_value = test$p.value, method = test$method)
})
hand_prop <- lapply(list(c(0, 10, 3, 12), c(10, 10, 4, 9), c(5, 20, 5, 20), c(45, 100, 30, 100),
                         c(1, 3, 2, 4), c(0, 5, 0, 7)), function(v) {
  x <- v[c(1, 3)]
  n <- v[c(2, 4)]
  test <- suppressWarnings(prop.test(x, n))
  list(x = x, n = n, statistic = unname(test$statistic), p_value = test$p.value,
       method = test$method, conf_int = as.numeric(test$conf.int),
       fisher_p_value = fisher.test(matrix(c(x, n - x), 2))$p.value)
})
hand_rank_sum <- lapply(list(list(c(1.5, 3.2, 4.1), c(2.2, 5.5, 6.1, 7)),
                             list(c(8, 9, 10, 11), c(1, 2, 3)),
                             list(c(1, 2, 2, 3), c(2, 4, 5))), function(v) {
  test <- suppressWarnings(wilcox.test(v[[1]], v[[2]]))
  list(followup = v[[1]], baseline = v[[2]], W = unname(test$statistic),
       p_value = test$p.value, method = test$method)
})

write_reference(list(
  versions = versions(),
  data = "msqR_change.csv: psychTools::msqR times 1 and 2, items and construct scores",
  keys = msq_keys, points = points, agree_from = agree_from,
  calls = list(
    paired = "wilcox.test(followup, baseline, paired = TRUE, digits.rank = 7)",
    digits_rank_inf = "wilcox.test(followup, baseline, paired = TRUE)",
    mcnemar = "mcnemar.test(table(factor(b, c(TRUE, FALSE)), factor(f, c(TRUE, FALSE))))",
    rank_sum = "wilcox.test(followup, baseline)",
    pwilcox = "pwilcox(q, m, n); upper: pwilcox(q - 1, m, n, lower.tail = FALSE)",
    prop = "prop.test(c(x_f, x_b), c(n_f, n_b))",
    fisher = "fisher.test(matrix(c(x_f, x_b, n_f - x_f, n_b - x_b), 2))"
  ),
  signed_rank = paired_cases, noise = noise, mcnemar = mcnemar_cases,
  rank_sum = rank_sum_cases, pwilcox = pwilcox_cases, proportions = proportion_cases,
  hand = list(mcnemar = hand_mcnemar, proportions = hand_prop, rank_sum = hand_rank_sum)
), "change.json")

for (p in paired_cases) cat(sprintf("paired %s %s: n=%d zeros=%d V=%g p=%.4g %s | Inf: V=%g %s\n",
                                    p$scale, p$label, p$n, p$n_zeros, p$V, p$p_value, p$method,
                                    p$digits_rank_inf$V, p$digits_rank_inf$method))
cat(sprintf("noise: V=%g p=%.4g %s | Inf: V=%g p=%.4g %s\n", noise$V, noise$p_value, noise$method,
            noise$digits_rank_inf$V, noise$digits_rank_inf$p_value, noise$digits_rank_inf$method))
for (r in rank_sum_cases) cat(sprintf("rank sum %s %s: %d vs %d W=%g p=%.4g %s\n", r$scale,
                                      r$label, r$n_followup, r$n_baseline, r$W, r$p_value,
                                      r$method))
cat(sprintf("McNemar: %d cases, %d without a statistic\n", length(mcnemar_cases),
            sum(sapply(mcnemar_cases, function(m) is.na(m$statistic)))))
cat(sprintf("prop.test: %d cases, %d with an expected count below 5\n", length(proportion_cases),
            sum(sapply(proportion_cases, function(p) p$expected_min < 5))))
