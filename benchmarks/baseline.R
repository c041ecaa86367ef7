# What a statistician would run in R instead of `ipss-survey analyze`, for the benchmark table.
#
# read.csv; per DTCAF dimension psych::alpha (pairwise-complete, psych's default), the share
# of valid answers in the agreement codes (4 and 5), and kruskal.test of the dimension scores
# (a respondent's mean of answered items) across groups. Like baseline.py it computes far less
# than analyze: no sub-dimensions, intervals, omega, acceptance tests or output files.
#
#   Rscript benchmarks/baseline.R benchmarks/data/dtcaf-1000.csv

suppressPackageStartupMessages(library(psych))

path <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(path)
dims <- c(LEA = 11, STR = 15, GOV = 19, LEG = 25, TEC = 17, PWD = 7)
for (dim in names(dims)) {
  cols <- sprintf("%s%02d", dim, seq_len(dims[[dim]]))
  items <- d[, cols]
  a <- suppressWarnings(alpha(items, warnings = FALSE))$total$raw_alpha
  agree <- 100 * sum(items >= 4, na.rm = TRUE) / sum(!is.na(items))
  score <- rowMeans(items, na.rm = TRUE)
  k <- kruskal.test(score, factor(d$group))
  cat(sprintf("%s: alpha %.3f, agreement %.1f%%, H %.1f, p %.3g\n",
              dim, a, agree, k$statistic, k$p.value))
}
