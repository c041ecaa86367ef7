# Reference numbers for ipss_survey.stats.reliability.   Run from this folder:
#   Rscript datasets.R && Rscript reliability.R
# Writes reliability.json: for each construct, the psych::alpha and psych::omega output the Python
# tests compare with.  Items are reverse-keyed first (min + max - code), then psych::alpha(x) runs
# with its defaults (use = "pairwise"); the script checks that this equals psych::alpha with the
# keys argument on the raw items.
source("common.R")

alpha_reference <- function(dataset, construct, key, data, points, note = NULL) {
  x <- reverse_keyed(data, key, points)
  a <- suppressWarnings(psych::alpha(x, warnings = FALSE))
  raw <- data[, item_codes(key), drop = FALSE]
  signs <- ifelse(startsWith(key, "-"), -1, 1)
  a_keys <- suppressWarnings(psych::alpha(raw, keys = signs, warnings = FALSE))
  stopifnot(isTRUE(all.equal(a$total$raw_alpha, a_keys$total$raw_alpha)))
  k <- ncol(x)
  # psych::alpha's Feldt interval uses N = nrow(x), all rows passed (rows without any answer too).
  feldt <- psych::alpha.ci(a$total$raw_alpha, n.obs = nrow(x), n.var = k)
  stopifnot(isTRUE(all.equal(feldt$lower.ci[[1]], a$feldt$lower.ci[[1]])))
  om <- tryCatch(
    suppressMessages(suppressWarnings(psych::omega(x, nfactors = 1, plot = FALSE))),
    error = function(e) NULL
  )
  C <- cov(x, use = "pairwise")
  R_pairwise <- cor(x, use = "pairwise")
  out <- list(
    dataset = dataset,
    construct = construct,
    key = key,
    points = points,
    items = item_codes(key),
    n_rows = nrow(x),
    k = k,
    raw_alpha = a$total$raw_alpha,
    std_alpha = a$total$std.alpha,
    average_r = a$total$average_r,
    feldt_lower = feldt$lower.ci[[1]],
    feldt_upper = feldt$upper.ci[[1]],
    alpha_drop_raw_alpha = a$alpha.drop$raw_alpha,
    r_drop = a$item.stats$r.drop,
    omega_total = if (is.null(om)) NULL else om$omega.tot,
    omega_loadings = if (is.null(om)) NULL else unname(om$schmid$sl[, 1]),
    cov_pairwise = unname(C),
    cor_pairwise = unname(R_pairwise),
    calls = list(
      alpha = "psych::alpha(x)  # x = reverse-keyed items, defaults (use = 'pairwise')",
      feldt = "psych::alpha.ci(raw_alpha, n.obs = nrow(x), n.var = ncol(x))  # = alpha(x)$feldt",
      omega = "psych::omega(x, nfactors = 1, plot = FALSE)$omega.tot",
      cov = "cov(x, use = 'pairwise')",
      cor = "cor(x, use = 'pairwise')"
    )
  )
  if (!is.null(note)) out$note <- note
  out
}

bfi <- load_bfi()
tai <- load_tai()
cases <- list()
for (s in names(bfi_keys)) {
  cases[[length(cases) + 1]] <- alpha_reference("bfi", s, bfi_keys[[s]], bfi, scales$bfi$points)
}
cases[[length(cases) + 1]] <- alpha_reference("tai", "tai", tai_keys$tai, tai, scales$tai$points)
# A reverse-keying mistake: bfi Agreeableness with A1 left as worded (negative r_drop for A1).
cases[[length(cases) + 1]] <- alpha_reference(
  "bfi", "A_unkeyed", c("A1", "A2", "A3", "A4", "A5"), bfi, scales$bfi$points,
  note = "A1 deliberately not reverse-keyed"
)
# Negative alpha: A1, A2 and A4 as worded with A3 reversed (a keying mistake).
cases[[length(cases) + 1]] <- alpha_reference(
  "bfi", "A_negative", c("A1", "A2", "-A3", "A4"), bfi, scales$bfi$points,
  note = "A1 as worded and A3 reversed: a deliberate keying mistake giving a negative alpha"
)
# A two-item scale (alpha and r_drop are defined; alpha_if_deleted is not).
cases[[length(cases) + 1]] <- alpha_reference("bfi", "C_two_items", c("C1", "C2"), bfi,
                                              scales$bfi$points)

write_reference(list(versions = versions(), cases = cases), "reliability.json")
for (cs in cases) {
  cat(sprintf("%-4s %-12s k=%2d alpha=%.6f std=%.6f omega=%s\n", cs$dataset, cs$construct, cs$k,
              cs$raw_alpha, cs$std_alpha, format(cs$omega_total)))
}
