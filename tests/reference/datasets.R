# Export the two data sets used by the reference scripts, and the construct scores computed from
# them, as CSV.   Run from this folder:  Rscript datasets.R
# Writes: bfi.csv, tai.csv (item responses as shipped, NA = empty), scores_bfi.csv,
# scores_tai.csv (construct scores as the results contract defines them, 17 significant digits).
source("common.R")

data(bfi, package = "psych")
bfi_out <- data.frame(id = rownames(bfi), bfi, check.names = FALSE)
write.csv(bfi_out, "bfi.csv", row.names = FALSE, na = "", quote = FALSE)

data(tai, package = "psychTools")
tai_out <- tai
tai_out$study <- as.character(tai_out$study)
write.csv(tai_out, "tai.csv", row.names = FALSE, na = "", quote = FALSE)

# Construct scores, computed from the CSV just written (what the Python tests read).
b <- load_bfi()
scores_bfi <- data.frame(row = seq_len(nrow(b)))
for (s in names(bfi_keys)) {
  scores_bfi[[s]] <- construct_score(reverse_keyed(b, bfi_keys[[s]], scales$bfi$points))
}
scores_bfi$gender <- b$gender
scores_bfi$education <- b$education
scores_bfi$age <- b$age
write_csv17(scores_bfi, "scores_bfi.csv")

t <- load_tai()
scores_tai <- data.frame(row = seq_len(nrow(t)), study = t$study)
scores_tai$tai <- construct_score(reverse_keyed(t, tai_keys$tai, scales$tai$points))
write_csv17(scores_tai, "scores_tai.csv")

# Round trip: what was written reads back as the same doubles.
stopifnot(identical(read.csv("scores_bfi.csv")$A, scores_bfi$A))
stopifnot(identical(read.csv("scores_tai.csv")$tai, scores_tai$tai))
cat("datasets written with", R.version.string, "psych", as.character(packageVersion("psych")),
    "psychTools", as.character(packageVersion("psychTools")), "\n")
