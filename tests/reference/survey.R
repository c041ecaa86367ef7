# Reference numbers for the design-based statistics (ipss_survey.stats.design,
# ipss_survey.stats.survey_estimates, ipss_survey.stats.survey_tests), from R's survey package.
# Run from this folder:  Rscript survey.R
# Reads bfi.csv and scores_bfi.csv (written by datasets.R); writes api.csv and survey.json.
#
# Designs: survey::apistrat (stratified by school type, weights pw, every school its own PSU)
# and survey::apiclus1 (one-stage sample of 15 school districts, ids = ~dnum, weights pw), plus
# designs derived from them with fixed rules written below (strata of districts; a stratum with
# a single PSU). The api data hold no Likert items, so seven 5-point items are cut from their
# variables at fixed points; agreement is a code of 4 or 5.
source("common.R")
suppressPackageStartupMessages(library(survey))
data(api, package = "survey")

# ---------------------------------------------------------------------------------------------
# Derived data: items, groups, construct score, strata, exported to api.csv.
cuts <- list(
  q1 = list(var = "api00", at = c(500, 600, 700, 800)),
  q2 = list(var = "api99", at = c(500, 600, 700, 800)),
  q3 = list(var = "meals", at = c(20, 40, 60, 80)),
  q4 = list(var = "ell", at = c(5, 15, 30, 50)),
  q5 = list(var = "emer", at = c(2, 5, 10, 20)),
  q6 = list(var = "acs.k3", at = c(17, 18, 19, 20)),  # missing where acs.k3 is (every high school)
  q7 = list(var = "acs.46", at = c(26, 28, 30, 32))   # missing where acs.46 is
)
items <- names(cuts)
agree_codes <- 4:5
api_agree <- function(code) as.numeric(code >= min(agree_codes))  # NA stays NA

derive <- function(d, name) {
  out <- data.frame(design = name, id = seq_len(nrow(d)), stype = as.character(d$stype),
                    dnum = d$dnum, pw = d$pw, awards = as.character(d$awards),
                    sch_wide = as.character(d$sch.wide), yr_rnd = as.character(d$yr.rnd),
                    stringsAsFactors = FALSE)
  # cut(): right-closed intervals (-Inf, a1], (a1, a2], ..., (a4, Inf] coded 1..5
  for (q in items) out[[q]] <- as.integer(cut(d[[cuts[[q]]$var]], c(-Inf, cuts[[q]]$at, Inf)))
  out$untied <- d$api00 + d$snum / 1e5  # distinct within each data set: a score without ties
  stopifnot(!anyDuplicated(out$untied))
  out
}
strat <- derive(apistrat, "strat")
clus <- derive(apiclus1, "clus1")
clus$q7[clus$dnum == 778] <- NA  # one district (a PSU of two schools) with no answer to q7
# Construct score: mean of the answered items when at least ceil(7/2) = 4 are answered.
strat$score <- construct_score(as.matrix(strat[items]))
clus$score <- construct_score(as.matrix(clus[items]))
# Strata of districts for apiclus1: low (dnum < 400: 5 districts), mid (400-699: 7), high
# (>= 700: 716, 778, 815); lonely_stratum splits off district 716 as a stratum of its own
# ("solo": a single PSU). For apistrat lonely_stratum keeps school types E and M and only the
# first high school (H: a single PSU); the other high schools are left out ("").
clus$cstratum <- ifelse(clus$dnum < 400, "low", ifelse(clus$dnum < 700, "mid", "high"))
clus$lonely_stratum <- ifelse(clus$dnum == 716, "solo", clus$cstratum)
strat$cstratum <- ""
first_h <- which(strat$stype == "H")[1]
strat$lonely_stratum <- ifelse(strat$stype != "H", strat$stype,
                               ifelse(seq_len(nrow(strat)) == first_h, "H", ""))
api <- rbind(strat, clus)
write_csv17(api, "api.csv")
api <- read.csv("api.csv", stringsAsFactors = FALSE, na.strings = "")
api$cstratum[is.na(api$cstratum)] <- ""
api$lonely_stratum[is.na(api$lonely_stratum)] <- ""
for (j in seq_along(items)) api[[paste0("a", j)]] <- api_agree(api[[items[j]]])

# Designs as Python builds them (rows: the `design` column, plus a non-empty lonely_stratum).
specs <- list(
  strat = list(rows = "strat", weights = "pw", strata = "stype", cluster = NULL),
  clus1 = list(rows = "clus1", weights = "pw", strata = NULL, cluster = "dnum"),
  strat_clus = list(rows = "clus1", weights = "pw", strata = "cstratum", cluster = "dnum"),
  unweighted = list(rows = "strat", weights = NULL, strata = NULL, cluster = NULL),
  lonely_strat = list(rows = "strat", weights = "pw", strata = "lonely_stratum", cluster = NULL,
                      lonely = TRUE),
  lonely_clus = list(rows = "clus1", weights = "pw", strata = "lonely_stratum", cluster = "dnum",
                     lonely = TRUE)
)
spec_data <- function(spec) {
  d <- api[api$design == spec$rows, ]
  if (isTRUE(spec$lonely)) d <- d[d$lonely_stratum != "", ]
  rownames(d) <- NULL
  d
}
# svydesign(ids = ~cluster or ~1, strata = ~strata, weights = ~w, data); for long data (one row
# per answer) the respondent is the PSU when the design has no clusters: ids = ~id.
make_design <- function(spec, data, long = FALSE) {
  ids <- if (!is.null(spec$cluster)) reformulate(spec$cluster) else if (long) ~id else ~1
  strata <- if (!is.null(spec$strata)) reformulate(spec$strata) else NULL
  weights <- if (!is.null(spec$weights)) reformulate(spec$weights) else NULL
  suppressWarnings(svydesign(ids = ids, strata = strata, weights = weights, data = data))
}
# One row per valid answer, carrying its respondent's id, design variables and groups.
long_data <- function(d, item_names, agree) {
  keep_cols <- setdiff(names(d), c(item_names, paste0("a", seq_along(item_names))))
  parts <- lapply(item_names, function(q) {
    ok <- !is.na(d[[q]])
    data.frame(d[ok, keep_cols, drop = FALSE], item = rep(q, sum(ok)),
               agree = agree(d[[q]][ok]), stringsAsFactors = FALSE)
  })
  do.call(rbind, parts)
}

# ---------------------------------------------------------------------------------------------
# Estimates.
num <- function(x) as.numeric(x)
safely <- function(expr) tryCatch(expr, error = function(e) list(error = conditionMessage(e)))

mean_record <- function(d, var) {
  f <- reformulate(var)
  m <- svymean(f, d, na.rm = TRUE)
  t <- svytotal(f, d, na.rm = TRUE)
  v <- svyvar(f, d, na.rm = TRUE)
  list(mean = num(coef(m)), mean_se = num(SE(m)), total = num(coef(t)), total_se = num(SE(t)),
       var = num(coef(v)), var_se = num(SE(v)), n = sum(!is.na(d$variables[[var]])),
       df = degf(d))
}

p0s <- c(0.5, 0.75)
# svyciprop(~a, d, method = "logit"); SE as svymean gives it; t test of p <= p0 on degf(d).
prop_record <- function(d, var, df = degf(d)) {
  f <- reformulate(var)
  ci <- svyciprop(f, d, method = "logit", df = df)
  m <- svymean(f, d, na.rm = TRUE)
  est <- num(ci)
  se <- num(SE(m))
  list(estimate = est, mean = num(coef(m)), se = se, ci = num(attr(ci, "ci")), df = df,
       n = sum(!is.na(d$variables[[var]])),
       tests = lapply(p0s, function(p0) {
         list(p0 = p0, t = (est - p0) / se, p_value = pt((est - p0) / se, df, lower.tail = FALSE))
       }))
}

in_group <- function(d, group, level) d[d$variables[[group]] %in% level, ]

# svyby(~x, ~group, d, svymean / svytotal / svyvar, na.rm = TRUE)
domain_means <- function(d, var, group) {
  f <- reformulate(var)
  by <- reformulate(group)
  levels <- sort(unique(d$variables[[group]][!is.na(d$variables[[group]])]))
  out <- list()
  for (level in levels) {
    sub <- in_group(d, group, level)
    if (all(is.na(sub$variables[[var]]))) {
      out[[length(out) + 1]] <- list(group = level, n = 0, error = "no answers in the group")
      next
    }
    out[[length(out) + 1]] <- list(group = level, n = sum(!is.na(sub$variables[[var]])))
  }
  answered <- sapply(out, function(o) is.null(o$error))
  if (any(answered)) {
    dd <- d[d$variables[[group]] %in% sapply(out[answered], `[[`, "group"), ]
    m <- svyby(f, by, dd, svymean, na.rm = TRUE)
    t <- svyby(f, by, dd, svytotal, na.rm = TRUE)
    v <- svyby(f, by, dd, svyvar, na.rm = TRUE)
    for (i in which(answered)) {
      level <- out[[i]]$group
      r <- match(level, m[[group]])
      # each domain's own svymean/svyvar gives the same numbers as svyby
      own <- mean_record(in_group(d, group, level), var)
      stopifnot(isTRUE(all.equal(own$mean, num(coef(m))[r])),
                isTRUE(all.equal(own$var_se, num(SE(v))[r])))
      out[[i]] <- c(out[[i]], list(mean = num(coef(m))[r], mean_se = num(SE(m))[r],
                                   total = num(coef(t))[r], total_se = num(SE(t))[r],
                                   var = num(coef(v))[r], var_se = num(SE(v))[r],
                                   df = degf(in_group(d, group, level))))
    }
  }
  out
}

# svyby(~a, ~group, d, svyciprop, method = "logit", vartype = c("se", "ci")); the interval of
# each group uses that group's degf (svyciprop's default df = degf(design[group, ])), which is
# checked here against an interval computed by hand.
domain_props <- function(d, var, group) {
  f <- reformulate(var)
  levels <- sort(unique(d$variables[[group]][!is.na(d$variables[[group]])]))
  answered <- sapply(levels, function(l) any(!is.na(in_group(d, group, l)$variables[[var]])))
  out <- list()
  if (any(answered)) {
    dd <- d[d$variables[[group]] %in% levels[answered], ]
    by <- svyby(f, reformulate(group), dd, svyciprop, method = "logit", na.rm = TRUE,
                vartype = c("se", "ci"))
  }
  for (k in seq_along(levels)) {
    level <- levels[k]
    if (!answered[k]) {
      out[[k]] <- list(group = level, n = 0, error = "no answers in the group")
      next
    }
    sub <- in_group(d, group, level)
    rec <- c(list(group = level), prop_record(sub, var))
    r <- match(level, by[[group]])
    stopifnot(isTRUE(all.equal(rec$estimate, num(coef(by))[r])),
              isTRUE(all.equal(rec$se, num(SE(by))[r])),
              isTRUE(all.equal(rec$ci, c(by$ci_l[r], by$ci_u[r]))))
    m <- svymean(reformulate(var), sub, na.rm = TRUE)
    p <- num(coef(m))
    half <- qt(0.975, degf(sub)) * num(SE(m)) / (p * (1 - p))
    stopifnot(isTRUE(all.equal(rec$ci, plogis(qlogis(p) + c(-half, half)), tolerance = 1e-7)))
    out[[k]] <- rec
  }
  out
}

# svychisq(~a + group, d, statistic = "F"), and the Pearson X^2 it adjusts.
chisq_record <- function(d, var, group) {
  f <- reformulate(c(var, group))
  r <- safely(svychisq(f, d, statistic = "F"))
  if (!is.null(r$error)) return(list(error = r$error))
  pearson <- suppressWarnings(chisq.test(svytable(f, d, Ntotal = nrow(d$variables)),
                                         correct = FALSE))
  list(F = num(r$statistic), ndf = num(r$parameter["ndf"]), ddf = num(r$parameter["ddf"]),
       p_value = num(r$p.value), pearson = num(pearson$statistic), nu = degf(d))
}

# svyranktest with each tie group given one mid-rank: the weight of all lower scores plus half
# the tie group's weight. Otherwise survey:::svyranktest.survey.design (two groups) and
# survey:::multiranktest (more) line by line; svyranktest's own rank is
# ave(cumsum(w[ii]) - w[ii]/2, factor(y[ii])), the unweighted mean over the tied rows, which
# depends on their order when their weights differ.
svyranktest_midrank <- function(formula, design) {
  mf <- model.frame(formula, model.frame(design), na.action = na.omit)
  if (!is.null(naa <- attr(mf, "na.action"))) {
    design <- design[-naa, ]
    mf <- model.frame(formula, model.frame(design))
  }
  y <- mf[, 1]
  g <- mf[, 2]
  w <- weights(design, "sampling")
  N <- sum(w)
  values <- sort(unique(y))
  tie <- match(y, values)
  tie_weight <- as.vector(rowsum(w, tie, reorder = TRUE))
  rankhat <- ((cumsum(tie_weight) - tie_weight) + tie_weight / 2)[tie]
  rankscore <- rankhat / N
  if (length(unique(g)) == 2) {
    m <- lm(rankscore ~ g, weights = w)
    xmat <- model.matrix(m)
    infn <- (xmat * (rankscore - fitted(m))) %*% summary(m)$cov.unscaled
    tot.infn <- svytotal(infn, design)
    t <- num(coef(m)[2] / SE(tot.infn)[2])
    df <- degf(design) - 1
    return(list(statistic = t, df = df, estimate = num(coef(m)[2]),
                p_value = 2 * pt(-abs(t), df = df)))
  }
  m <- glm(rankscore ~ factor(g), weights = w)
  m$na.action <- naa
  V <- survey:::svy.varcoef(m, design)
  ndf <- length(unique(g)) - 1
  beta <- coef(m)[-1]
  V <- V[-1, -1]
  chisq <- num(beta %*% solve(V, beta))
  ddf <- degf(design) - ndf
  list(chisq = chisq, ndf = ndf, ddf = ddf, p_value = pf(chisq / ndf, ndf, ddf,
                                                         lower.tail = FALSE))
}

# R's own svyranktest: two groups give $statistic (t) and $parameter (df); more groups give the
# Wald chi-square in $parameter, its df in $statistic and $ddf.
svyranktest_record <- function(formula, design) {
  r <- svyranktest(formula, design)
  if (!is.null(r$ddf)) {
    return(list(chisq = num(r$parameter), ndf = num(r$statistic), ddf = num(r$ddf),
                p_value = num(r$p.value)))
  }
  list(statistic = num(r$statistic), df = num(r$parameter), estimate = num(r$estimate),
       p_value = num(r$p.value))
}

rank_records <- function(d, group) {
  f_score <- reformulate(group, "score")
  f_untied <- reformulate(group, "untied")
  out <- list(
    group = group,
    untied_r = svyranktest_record(f_untied, d),
    untied_midrank = svyranktest_midrank(f_untied, d),
    tied_r = svyranktest_record(f_score, d),
    tied_midrank = svyranktest_midrank(f_score, d)
  )
  # Rows in reverse order: R's own result changes where tied rows carry different weights.
  reversed <- d[rev(seq_len(nrow(d))), ]
  out$tied_r_reversed <- svyranktest_record(f_score, reversed)
  out$tied_midrank_reversed <- svyranktest_midrank(f_score, reversed)
  stopifnot(isTRUE(all.equal(out$untied_r, out$untied_midrank)),
            isTRUE(all.equal(out$tied_midrank, out$tied_midrank_reversed)))
  out
}

battery <- function(name, spec, groups, chisq_groups = groups, rank_groups = groups,
                     item_groups = items) {
  data <- spec_data(spec)
  d <- make_design(spec, data)
  long <- long_data(data, items, api_agree)
  dl <- make_design(spec, long, long = TRUE)
  agree_vars <- paste0("a", seq_along(items))
  out <- list(design = name, df = degf(d), long_df = degf(dl), n = nrow(data))
  out$means <- lapply(items, function(q) c(list(item = q), mean_record(d, q)))
  out$proportions <- lapply(seq_along(items), function(j) {
    c(list(item = items[j]), prop_record(d, agree_vars[j]))
  })
  out$construct <- prop_record(dl, "agree")
  out$domains <- list()
  out$construct_domains <- list()
  out$chisq <- list()
  out$ranks <- list()
  for (g in groups) {
    for (j in seq_along(items)) {
      if (!(items[j] %in% item_groups)) next
      out$domains[[length(out$domains) + 1]] <- list(
        item = items[j], group = g,
        means = domain_means(d, items[j], g),
        proportions = domain_props(d, agree_vars[j], g)
      )
    }
    out$construct_domains[[length(out$construct_domains) + 1]] <- list(
      group = g, proportions = domain_props(dl, "agree", g)
    )
  }
  for (g in chisq_groups) {
    for (j in seq_along(items)) {
      out$chisq[[length(out$chisq) + 1]] <- c(list(item = items[j], group = g),
                                              chisq_record(d, agree_vars[j], g))
    }
    out$chisq[[length(out$chisq) + 1]] <- c(list(item = "construct", group = g),
                                            chisq_record(dl, "agree", g))
  }
  for (g in rank_groups) out$ranks[[length(out$ranks) + 1]] <- rank_records(d, g)
  out
}

options(survey.lonely.psu = "fail")
designs <- list(
  battery("strat", specs$strat, c("awards", "sch_wide", "yr_rnd"), rank_groups =
            c("awards", "sch_wide", "yr_rnd", "stype")),
  battery("clus1", specs$clus1, c("awards", "stype")),
  battery("strat_clus", specs$strat_clus, c("stype", "awards")),
  battery("unweighted", specs$unweighted, c("awards", "stype"))
)

# Lonely PSUs: each policy of options(survey.lonely.psu), on both lonely designs.
lonely <- list()
for (policy in c("adjust", "remove", "average", "certainty")) {
  options(survey.lonely.psu = policy)
  for (name in c("lonely_strat", "lonely_clus")) {
    b <- battery(name, specs[[name]], c("awards"), item_groups = c("q1", "q6"))
    b$policy <- policy
    lonely[[length(lonely) + 1]] <- b
  }
}
options(survey.lonely.psu = "fail")
fail <- lapply(c("lonely_strat", "lonely_clus"), function(name) {
  d <- make_design(specs[[name]], spec_data(specs[[name]]))
  list(design = name, error = safely(svymean(~q1, d))$error)
})

# ---------------------------------------------------------------------------------------------
# bfi: construct acceptance with respondents as clusters (no weights, no strata):
# d <- svydesign(ids = ~respondent, data = long), long = one row per valid keyed answer.
bfi <- load_bfi()
bfi_constructs <- list()
for (s in names(bfi_keys)) {
  x <- reverse_keyed(bfi, bfi_keys[[s]], scales$bfi$points)
  wide <- data.frame(id = seq_len(nrow(bfi)), gender = as.character(bfi$gender),
                     education = as.character(bfi$education), x, check.names = FALSE,
                     stringsAsFactors = FALSE)
  codes <- item_codes(bfi_keys[[s]])
  long <- long_data(wide, codes, function(v) as.numeric(v %in% scales$bfi$agree))
  dl <- suppressWarnings(svydesign(ids = ~id, data = long))
  bfi_constructs[[length(bfi_constructs) + 1]] <- list(
    construct = s, df = degf(dl), respondents = length(unique(long$id)),
    overall = prop_record(dl, "agree"),
    gender = domain_props(dl, "agree", "gender"),
    education = domain_props(dl, "agree", "education"),
    chisq_gender = chisq_record(dl, "agree", "gender"),
    chisq_education = chisq_record(dl, "agree", "education")
  )
}
# Items as worded (agreement 4-6 on the raw answer), one answer per row: svydesign(ids = ~1).
bfi_items <- data.frame(gender = as.character(bfi$gender),
                        education = as.character(bfi$education), stringsAsFactors = FALSE)
for (code in item_codes(bfi_keys$A)) {
  bfi_items[[code]] <- ifelse(is.na(bfi[[code]]), NA, as.numeric(bfi[[code]] %in% 4:6))
}
dbfi <- suppressWarnings(svydesign(ids = ~1, data = bfi_items))
bfi_item_chisq <- list()
for (code in item_codes(bfi_keys$A)) {
  for (g in c("gender", "education")) {
    bfi_item_chisq[[length(bfi_item_chisq) + 1]] <- c(list(item = code, group = g),
                                                      chisq_record(dbfi, code, g))
  }
}
# Construct scores by gender and education with equal weights: svyranktest's own ranks are then
# mid-ranks, so R's result is the reference (ties and all).
scores <- read.csv("scores_bfi.csv")
scores$gender <- as.character(scores$gender)
scores$education <- as.character(scores$education)
dscores <- suppressWarnings(svydesign(ids = ~1, data = scores))
bfi_ranks <- list()
for (s in names(bfi_keys)) {
  for (g in c("gender", "education")) {
    f <- reformulate(g, s)
    r <- svyranktest_record(f, dscores)
    stopifnot(isTRUE(all.equal(r, svyranktest_midrank(f, dscores))))
    bfi_ranks[[length(bfi_ranks) + 1]] <- c(list(construct = s, group = g), r)
  }
}

out <- list(
  versions = c(versions(), list(survey = as.character(packageVersion("survey")))),
  calls = list(
    design = "svydesign(ids = ~cluster or ~1, strata = ~strata, weights = ~w, data)",
    long_design = "svydesign(ids = ~cluster or ~id, strata, weights, data = long)",
    mean = "svymean(~x, d, na.rm = TRUE)",
    total = "svytotal(~x, d, na.rm = TRUE)",
    var = "svyvar(~x, d, na.rm = TRUE)",
    proportion = "svyciprop(~a, d, method = 'logit'); SE(svymean(~a, d, na.rm = TRUE))",
    test = "pt((p - p0) / SE, degf(d), lower.tail = FALSE)",
    domains = "svyby(~x, ~g, d, svymean | svytotal | svyvar | svyciprop, na.rm = TRUE)",
    chisq = "svychisq(~a + g, d, statistic = 'F')",
    pearson = "chisq.test(svytable(~a + g, d, Ntotal = nrow(d$variables)), correct = FALSE)",
    ranks = "svyranktest(score ~ g, d); svyranktest_midrank: the same with one mid-rank per tie",
    lonely = "options(survey.lonely.psu = policy)"
  ),
  items = lapply(cuts, function(c) list(var = c$var, cuts = c$at)),
  agree_codes = agree_codes,
  specs = specs,
  p0 = p0s,
  designs = designs,
  lonely = lonely,
  lonely_fail = fail,
  bfi = list(constructs = bfi_constructs, item_chisq = bfi_item_chisq, ranks = bfi_ranks)
)
write_reference(out, "survey.json")
cat("survey.json written with", R.version.string, "survey",
    as.character(packageVersion("survey")), "\n")
