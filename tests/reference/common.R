# Shared helpers for the reference scripts in this folder (sourced by them; run from this folder).
# Only R, psych, psychTools and jsonlite are used; the numbers are stored as data and R is never
# needed to run the Python tests.
suppressPackageStartupMessages({
  library(psych)
  library(psychTools)
  library(jsonlite)
})

# Scoring keys: a leading "-" marks a reverse-keyed item.
# bfi: psych::bfi.keys (the five scales of the 25-item Big Five Inventory sample).
bfi_keys <- list(
  A = c("-A1", "A2", "A3", "A4", "A5"),
  C = c("C1", "C2", "C3", "-C4", "-C5"),
  E = c("-E1", "-E2", "E3", "E4", "E5"),
  N = c("N1", "N2", "N3", "N4", "N5"),
  O = c("O1", "-O2", "O3", "O4", "-O5")
)
stopifnot(identical(unname(bfi_keys), unname(lapply(psych::bfi.keys, as.character))))
# tai: the "tai" total-score key printed in the examples of ?psychTools::tai, copied as printed
# (it keys "decisive" positively).
tai_keys <- list(
  tai = c("-pleasant", "nervous", "not.satisfied", "wish.happy", "failure", "-rested", "-calm",
          "difficulties", "worry", "-happy", "disturbing.thoughts", "lack.self.confidence",
          "-secure", "decisive", "inadequate", "-content", "thoughts.bother", "disappointments",
          "-steady", "tension")
)

# Scale points (all items in each data set share them) and the agreement codes used for
# acceptance and agreement tests: bfi is 1-6 (4-6 = slightly/moderately/very accurate),
# tai is 1-4 (3-4 = often/almost always).
scales <- list(
  bfi = list(points = 1:6, agree = 4:6),
  tai = list(points = 1:4, agree = 3:4)
)

item_codes <- function(key) sub("^-", "", key)

# Reverse-key: code -> min + max - code, as psych does (same result as psych's keys argument).
reverse_keyed <- function(data, key, points) {
  x <- data[, item_codes(key), drop = FALSE]
  flip <- startsWith(key, "-")
  x[, flip] <- (min(points) + max(points)) - x[, flip]
  as.matrix(x)
}

# Construct score as the results contract defines it: mean of the answered (reverse-keyed) items
# when at least ceil(k/2) of them are answered, otherwise NA.
construct_score <- function(x) {
  answered <- rowSums(!is.na(x))
  s <- rowMeans(x, na.rm = TRUE)
  s[answered < ceiling(ncol(x) / 2)] <- NA
  s
}

versions <- function() {
  list(
    R = R.version.string,
    psych = as.character(packageVersion("psych")),
    psychTools = as.character(packageVersion("psychTools")),
    jsonlite = as.character(packageVersion("jsonlite"))
  )
}

# digits = NA: as many significant digits as R prints (15), enough for 1e-6 comparisons.
write_reference <- function(x, path) {
  write_json(x, path, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null",
             null = "null")
}

# Numbers to CSV with 17 significant digits, so that Python reads back the same doubles (ties in
# construct scores stay ties); NA as an empty field.
write_csv17 <- function(df, path) {
  out <- df
  for (nm in names(out)) {
    if (is.double(out[[nm]])) {
      out[[nm]] <- ifelse(is.na(out[[nm]]), NA, sprintf("%.17g", out[[nm]]))
    }
  }
  write.csv(out, path, row.names = FALSE, na = "", quote = FALSE)
}

load_bfi <- function() {
  d <- read.csv("bfi.csv", check.names = FALSE)
  d
}

load_tai <- function() {
  read.csv("tai.csv", check.names = FALSE, stringsAsFactors = FALSE)
}
