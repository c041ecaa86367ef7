# Reference numbers for tests/test_pipeline_reference.py that depend on the pipeline's row
# ledger.  Run from this folder:  Rscript pipeline.R
# results.json's Feldt interval uses N = rows analysed (rows with at least one valid answer to
# the instrument); psych::alpha uses nrow(x).  psychTools::tai has 7 rows without any answer, so
# the interval is taken from psych::alpha on the rows that answered something.
source("common.R")

tai <- load_tai()
key <- tai_keys$tai
items <- tai[, item_codes(key)]
answered <- rowSums(!is.na(items)) > 0
x <- reverse_keyed(tai[answered, ], key, 1:4)
a <- suppressWarnings(psych::alpha(x, warnings = FALSE))
out <- list(
  versions = versions(),
  tai_rows_analysed = list(
    rows_read = nrow(tai),
    rows_analysed = sum(answered),
    raw_alpha = a$total$raw_alpha,
    feldt_lower = a$feldt$lower.ci[[1]],
    feldt_upper = a$feldt$upper.ci[[1]],
    call = "psych::alpha(x[rowSums(!is.na(x)) > 0, ])$feldt  # x = reverse-keyed tai items"
  )
)
write_reference(out, "pipeline.json")
