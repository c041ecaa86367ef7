# Reference numbers for ipss_survey.stats.group_tests.
# Run from this folder:  Rscript datasets.R && Rscript group_tests.R   (writes group_tests.json)
# Groups are ordered as the Python code orders them (numerically when every label is a number,
# otherwise by code point, i.e. the C locale: "FIAT" < "Fast"); groups with fewer than 5 scored
# respondents are dropped before testing, as the Python code does.
source("common.R")

scores_bfi <- read.csv("scores_bfi.csv")
scores_tai <- read.csv("scores_tai.csv", stringsAsFactors = FALSE)
MIN_GROUP_SIZE <- 5

order_labels <- function(labels) {
  labels <- unique(as.character(labels))
  numbers <- suppressWarnings(as.numeric(labels))
  if (all(!is.na(numbers))) labels[order(numbers)] else sort(labels, method = "radix")
}

# Scores and labels of the groups that are tested: NA scores and labels dropped, small groups out.
tested <- function(score, group) {
  ok <- !is.na(score) & !is.na(group) & as.character(group) != ""
  score <- score[ok]
  group <- as.character(group[ok])
  sizes <- table(group)
  small <- names(sizes)[sizes < MIN_GROUP_SIZE]
  keep <- !(group %in% small)
  levels <- order_labels(group[keep])
  excluded <- order_labels(small)
  list(score = score[keep], group = factor(group[keep], levels = levels), levels = levels,
       excluded = lapply(excluded, function(g) list(group = g, n = unname(sizes[[g]]))))
}

rank_case <- function(dataset, construct, score, group, grouping, pairwise = TRUE) {
  d <- tested(score, group)
  kw <- kruskal.test(d$score, d$group)
  out <- list(
    dataset = dataset, construct = construct, grouping = grouping,
    groups = d$levels, group_sizes = as.integer(table(d$group)), excluded = d$excluded,
    n = length(d$score),
    kruskal = list(statistic = unname(kw$statistic), df = unname(kw$parameter),
                   p_value = kw$p.value, method = kw$method)
  )
  if (pairwise) {
    pw <- pairwise.wilcox.test(d$score, d$group, p.adjust.method = "holm", exact = FALSE,
                               correct = TRUE)
    a <- b <- character(0)
    w <- p <- p_adj <- numeric(0)
    for (i in seq_along(d$levels)) for (j in seq_along(d$levels)) if (i < j) {
      xa <- d$score[d$group == d$levels[i]]
      xb <- d$score[d$group == d$levels[j]]
      test <- wilcox.test(xa, xb, correct = TRUE, exact = FALSE)
      a <- c(a, d$levels[i])
      b <- c(b, d$levels[j])
      w <- c(w, unname(test$statistic))
      p <- c(p, test$p.value)
      p_adj <- c(p_adj, pw$p.value[d$levels[j], d$levels[i]])
    }
    out$pairwise <- list(a = I(a), b = I(b), W = I(w), p_value = I(p), p_adj = I(p_adj))
  }
  if (length(d$levels) == 2) {
    test <- wilcox.test(d$score[d$group == d$levels[1]], d$score[d$group == d$levels[2]],
                        correct = TRUE, exact = FALSE)
    out$mann_whitney <- list(W = unname(test$statistic), p_value = test$p.value,
                             method = test$method)
  }
  out
}

agreement_case <- function(dataset, construct, score, group, grouping, agree_from) {
  d <- tested(score, group)
  agree <- d$score >= agree_from
  tb <- table(d$group, factor(agree, levels = c(TRUE, FALSE)))
  chi <- suppressWarnings(chisq.test(tb))
  chi_plain <- suppressWarnings(chisq.test(tb, correct = FALSE))
  fisher <- tryCatch(fisher.test(tb, workspace = 2e8)$p.value, error = function(e) NULL)
  set.seed(20240601)
  fisher_sim <- fisher.test(tb, simulate.p.value = TRUE, B = 1e5)
  list(
    dataset = dataset, construct = construct, grouping = grouping, agree_from = agree_from,
    groups = d$levels, table = unname(lapply(seq_len(nrow(tb)), function(i) as.integer(tb[i, ]))),
    chisq = list(statistic = unname(chi$statistic), df = unname(chi$parameter),
                 p_value = chi$p.value, method = chi$method),
    chisq_uncorrected = unname(chi_plain$statistic),
    expected_min = min(chi$expected),
    fisher_p_value = fisher,
    fisher_simulated = list(p_value = fisher_sim$p.value, B = 1e5, seed = 20240601)
  )
}

rank_cases <- list()
agreement_cases <- list()
for (s in names(bfi_keys)) {
  rank_cases[[length(rank_cases) + 1]] <- rank_case("bfi", s, scores_bfi[[s]], scores_bfi$gender,
                                                    "gender")
  rank_cases[[length(rank_cases) + 1]] <- rank_case("bfi", s, scores_bfi[[s]],
                                                    scores_bfi$education, "education")
  agreement_cases[[length(agreement_cases) + 1]] <- agreement_case(
    "bfi", s, scores_bfi[[s]], scores_bfi$gender, "gender", min(scales$bfi$agree))
  agreement_cases[[length(agreement_cases) + 1]] <- agreement_case(
    "bfi", s, scores_bfi[[s]], scores_bfi$education, "education", min(scales$bfi$agree))
}
# Many groups, some with fewer than 5 respondents: age in years (numeric labels).
for (s in c("A", "N")) {
  rank_cases[[length(rank_cases) + 1]] <- rank_case("bfi", s, scores_bfi[[s]], scores_bfi$age,
                                                    "age")
}
rank_cases[[length(rank_cases) + 1]] <- rank_case("tai", "tai", scores_tai$tai, scores_tai$study,
                                                  "study")
agreement_cases[[length(agreement_cases) + 1]] <- agreement_case(
  "tai", "tai", scores_tai$tai, scores_tai$study, "study", min(scales$tai$agree))
# A small r x 2 table with expected counts below 5 where fisher.test is exact.
few <- scores_tai$study %in% c("FIAT", "FILM", "Maps", "RAFT", "SHOP")
agreement_cases[[length(agreement_cases) + 1]] <- agreement_case(
  "tai", "tai", scores_tai$tai[few], scores_tai$study[few], "study (FIAT, FILM, Maps, RAFT, SHOP)",
  min(scales$tai$agree))

# Hand-sized tables: fisher.test and chisq.test on each.
tables <- list(
  list(c(6, 2), c(1, 4)), list(c(3, 1), c(1, 3)), list(c(10, 0), c(0, 10)),
  list(c(8, 2), c(1, 5), c(3, 4)), list(c(5, 5), c(5, 5), c(5, 5)),
  list(c(12, 3), c(7, 9), c(2, 11), c(6, 6)), list(c(0, 4), c(3, 1), c(2, 2), c(1, 5), c(4, 0))
)
table_cases <- lapply(tables, function(rows) {
  tb <- do.call(rbind, rows)
  chi <- suppressWarnings(chisq.test(tb))
  list(table = rows, fisher_p_value = fisher.test(tb)$p.value,
       chisq = list(statistic = unname(chi$statistic), df = unname(chi$parameter),
                    p_value = chi$p.value, method = chi$method),
       chisq_uncorrected = unname(suppressWarnings(chisq.test(tb, correct = FALSE))$statistic))
})

write_reference(list(
  versions = versions(),
  min_group_size = MIN_GROUP_SIZE,
  calls = list(
    kruskal = "kruskal.test(score, group)",
    pairwise = "pairwise.wilcox.test(score, group, p.adjust.method = 'holm', exact = FALSE, correct = TRUE)",
    pair = "wilcox.test(score[group == a], score[group == b], correct = TRUE, exact = FALSE)",
    chisq = "chisq.test(table)  # Yates only for 2 x 2; chisq_uncorrected: correct = FALSE",
    fisher = "fisher.test(table, workspace = 2e8)$p.value  # null where FEXACT gives up",
    fisher_simulated = "set.seed(20240601); fisher.test(table, simulate.p.value = TRUE, B = 1e5)"
  ),
  rank_tests = rank_cases,
  agreement_tests = agreement_cases,
  tables = table_cases
), "group_tests.json")
for (r in rank_cases) cat(sprintf("%s %s ~ %s: %d groups, H=%.4f p=%.4g, excluded %d\n",
                                  r$dataset, r$construct, r$grouping, length(r$groups),
                                  r$kruskal$statistic, r$kruskal$p_value, length(r$excluded)))
for (a in agreement_cases) cat(sprintf("%s %s ~ %s: X2=%.4f p=%.4g min E=%.2f fisher=%s sim=%.4g\n",
                                       a$dataset, a$construct, a$grouping, a$chisq$statistic,
                                       a$chisq$p_value, a$expected_min,
                                       format(a$fisher_p_value), a$fisher_simulated$p_value))
