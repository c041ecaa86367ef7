# Reference numbers for ipss_survey.stats.acceptance and ipss_survey.stats.padjust.
# Run from this folder:  Rscript datasets.R && Rscript acceptance.R   (writes acceptance.json)
source("common.R")

bfi <- load_bfi()
tai <- load_tai()
scores_bfi <- read.csv("scores_bfi.csv")
scores_tai <- read.csv("scores_tai.csv", stringsAsFactors = FALSE)

binom_case <- function(label, x, n, p0) {
  greater <- binom.test(x, n, p = p0, alternative = "greater")
  two_sided <- binom.test(x, n)
  wilson <- suppressWarnings(prop.test(x, n, correct = FALSE))
  list(
    label = label, successes = x, n = n, p0 = p0,
    p_value = greater$p.value,
    ci_exact = as.numeric(two_sided$conf.int),
    ci_wilson = as.numeric(wilson$conf.int)
  )
}

binom_cases <- list()
add <- function(case) binom_cases[[length(binom_cases) + 1]] <<- case
# Items: answers in the agreement codes (statement as worded) out of valid answers.
for (code in item_codes(unlist(bfi_keys))) {
  v <- bfi[[code]]
  x <- sum(v %in% scales$bfi$agree)
  n <- sum(!is.na(v))
  add(binom_case(paste0("bfi item ", code), x, n, 0.5))
  add(binom_case(paste0("bfi item ", code, " p0=0.7"), x, n, 0.7))
}
for (code in item_codes(tai_keys$tai)) {
  v <- tai[[code]]
  add(binom_case(paste0("tai item ", code), sum(v %in% scales$tai$agree), sum(!is.na(v)), 0.5))
}
# Constructs: respondents whose score is at least the lowest agreement code.
for (s in names(bfi_keys)) {
  v <- scores_bfi[[s]]
  add(binom_case(paste0("bfi construct ", s), sum(v >= min(scales$bfi$agree), na.rm = TRUE),
                 sum(!is.na(v)), 0.5))
}
v <- scores_tai$tai
add(binom_case("tai construct tai", sum(v >= min(scales$tai$agree), na.rm = TRUE),
               sum(!is.na(v)), 0.5))
# Edge cases: none / all agree, a single answer, small n, other thresholds.
edge <- list(c(0, 10, 0.5), c(10, 10, 0.5), c(1, 1, 0.5), c(0, 1, 0.5), c(5, 9, 0.5),
             c(7, 9, 0.7), c(3, 1000, 0.001), c(999, 1000, 0.99), c(12, 20, 0.8))
for (e in edge) add(binom_case(sprintf("edge %d/%d p0=%g", e[1], e[2], e[3]), e[1], e[2], e[3]))

# p.adjust on a vector with NA (NA stays NA and is not counted in n), and on the item p-values.
p_with_na <- c(0.01, NA, 0.04, 0.03, 0.005, NA, 0.5, 1, 1e-04, 0.04, 0.2)
item_p <- sapply(Filter(function(b) grepl("p0=0.7", b$label), binom_cases), `[[`, "p_value")
padjust_cases <- list()
for (input in list(list(name = "with_na", p = p_with_na),
                   list(name = "bfi_items_p0_0.7", p = item_p))) {
  padjust_cases[[length(padjust_cases) + 1]] <- list(
    name = input$name, p = input$p,
    holm = p.adjust(input$p, "holm"),
    bonferroni = p.adjust(input$p, "bonferroni"),
    BH = p.adjust(input$p, "BH"),
    none = p.adjust(input$p, "none")
  )
}

# One-sample Wilcoxon signed-rank tests with wilcox.test's defaults.
wilcox_case <- function(label, x, mu, source = NULL, store_x = FALSE) {
  w <- suppressWarnings(wilcox.test(x, mu = mu))
  out <- list(label = label, mu = mu, V = unname(w$statistic), p_value = w$p.value,
              method = w$method, n_used = sum(!is.na(x) & x != mu))
  if (!is.null(source)) out$source <- source
  if (store_x) out$x <- x
  out
}
wilcox_cases <- list()
addw <- function(case) wilcox_cases[[length(wilcox_cases) + 1]] <<- case
for (s in names(bfi_keys)) {
  addw(wilcox_case(paste0("bfi ", s, " mu=3.5"), scores_bfi[[s]], 3.5,
                   source = list(file = "scores_bfi.csv", column = s)))
  addw(wilcox_case(paste0("bfi ", s, " mu=3"), scores_bfi[[s]], 3,
                   source = list(file = "scores_bfi.csv", column = s)))
}
addw(wilcox_case("tai mu=2.5", scores_tai$tai, 2.5,
                 source = list(file = "scores_tai.csv", column = "tai")))
# Moderate p-values: the first 150 respondents' scores against a point near their median.
for (s in names(bfi_keys)) {
  mu <- c(A = 4.6, C = 4.4, E = 4.2, N = 3.2, O = 4.6)[[s]]
  addw(wilcox_case(paste0("bfi ", s, " rows 1-150 mu=", mu), scores_bfi[[s]][1:150], mu,
                   source = list(file = "scores_bfi.csv", column = s, rows = 150)))
}
# Small samples: 20 and 8 distinct tai scores (exact test), the first 30 tai scores of study RAFT
# (n < 50 with ties: normal approximation), 12 distinct scores with one equal to mu (a zero:
# normal approximation), 60 distinct scores (n >= 50: normal approximation).
distinct <- unique(scores_tai$tai[!is.na(scores_tai$tai)])
addw(wilcox_case("tai 20 distinct scores (exact)", distinct[1:20], 2.5, store_x = TRUE))
addw(wilcox_case("tai 8 distinct scores (exact)", distinct[21:28], 2.01, store_x = TRUE))
raft <- scores_tai$tai[scores_tai$study == "RAFT"][1:30]
addw(wilcox_case("tai RAFT first 30 (ties)", raft, 2.5, store_x = TRUE))
with_zero <- c(distinct[1:11], 2)
addw(wilcox_case("12 scores, one equal to mu (zero)", with_zero, 2, store_x = TRUE))
addw(wilcox_case("tai 60 distinct scores (n >= 50)", distinct[1:60], 2.5, store_x = TRUE))

write_reference(list(
  versions = versions(),
  calls = list(
    p_value = "binom.test(x, n, p = p0, alternative = 'greater')$p.value",
    ci_exact = "binom.test(x, n)$conf.int  # two-sided Clopper-Pearson",
    ci_wilson = "prop.test(x, n, correct = FALSE)$conf.int  # Wilson score",
    p_adjust = "p.adjust(p, method)  # method = holm, bonferroni, BH, none",
    wilcox = "wilcox.test(x, mu = mu)  # defaults: exact if n < 50 without ties/zeros"
  ),
  agree_codes = list(bfi = scales$bfi$agree, tai = scales$tai$agree),
  binomial = binom_cases,
  p_adjust = padjust_cases,
  wilcox = wilcox_cases
), "acceptance.json")
for (w in wilcox_cases) cat(sprintf("%-40s V=%10.1f p=%.6g %s\n", w$label, w$V, w$p_value,
                                    w$method))
