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
# Key `pipeline`: every design-based number of results.json that `ipss-survey analyze` gives on
# those rows with the instrument tests/data/api.yaml (tests/pipeline/test_design_reference.py).
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

# ---------------------------------------------------------------------------------------------
# The whole pipeline (tests/pipeline/test_design_reference.py): `ipss-survey analyze` on the
# rows of one design of api.csv with the instrument tests/data/api.yaml and the design's
# options, every design-based number of results.json computed here from the raw answers with
# the instrument's keying (q3, q4, q5 reversed: 6 - code) and scores of at least half the items.
# Groups are svyby's domains: design[group, ] (svyby calls FUN on exactly that subset), each
# interval on the group's own degf; tests leave out groups of fewer than 5 (min_group_size).
api_instrument <- list(
  constructs = list(
    list(id = "PERF", level = "dimension", items = I(c("q1", "q2", "q3", "q4", "q5"))),
    list(id = "PERF-api", level = "subdimension", items = I(c("q1", "q2"))),
    list(id = "PERF-need", level = "subdimension", items = I(c("q3", "q4", "q5"))),
    list(id = "CLASS", level = "dimension", items = I(c("q6", "q7")))
  ),
  reverse = I(c("q3", "q4", "q5")),
  points = 1:5, agree = 4:5, neutral = I(3), disagree = 1:2, min_answered = 0.5,
  min_group_size = 5, threshold = 50
)
pipeline_p0 <- api_instrument$threshold / 100
keyed <- function(q, x) if (q %in% api_instrument$reverse) 6 - x else x
share <- function(x, codes) ifelse(is.na(x), NA, as.numeric(x %in% codes))
fin <- function(x) {
  x <- num(x)
  if (length(x) == 1 && !is.finite(x)) NA else x
}
score_col <- function(con) paste0("score_", gsub("-", "_", con$id))

# The wide data of one run: raw answers, 0/1 shares per item, construct scores and whether the
# score lies in the agreement range (at least 4, the lowest agreement code).
pipeline_data <- function(spec) {
  d <- spec_data(spec)
  d$one <- 1
  for (q in items) {
    d[[paste0(q, "_agree")]] <- share(d[[q]], api_instrument$agree)
    d[[paste0(q, "_neutral")]] <- share(d[[q]], api_instrument$neutral)
    d[[paste0(q, "_disagree")]] <- share(d[[q]], api_instrument$disagree)
    fav <- if (q %in% api_instrument$reverse) api_instrument$disagree else api_instrument$agree
    d[[paste0(q, "_favourable")]] <- share(d[[q]], fav)
  }
  for (con in api_instrument$constructs) {
    x <- sapply(con$items, function(q) keyed(q, d[[q]]))
    s <- construct_score(matrix(x, nrow = nrow(d)))
    d[[score_col(con)]] <- s
    d[[paste0(score_col(con), "_agrees")]] <- ifelse(is.na(s), NA, as.numeric(s >= 4))
  }
  d
}

# Long data of one construct: one row per valid answer with its respondent's columns and the
# keyed answer's agreement, neutrality and disagreement.
construct_long <- function(d, con) {
  keep <- setdiff(names(d), c(items, grep("^q[0-9]_|^score_", names(d), value = TRUE)))
  parts <- lapply(con$items, function(q) {
    ok <- !is.na(d[[q]])
    k <- keyed(q, d[[q]][ok])
    data.frame(d[ok, keep, drop = FALSE], item = rep(q, sum(ok)),
               agree = share(k, api_instrument$agree), neutral = share(k, api_instrument$neutral),
               disagree = share(k, api_instrument$disagree), stringsAsFactors = FALSE)
  })
  out <- do.call(rbind, parts)
  rownames(out) <- NULL
  out
}

svy_value <- function(f, d) {
  m <- svymean(f, d, na.rm = TRUE)
  list(estimate = fin(coef(m)), se = fin(SE(m)))
}
# svyvar's factor n/(n - 1) needs two rows in the design (or group): NA with one, as Python
svy_sd <- function(f, d) {
  if (nrow(d$variables) < 2) return(NA)
  fin(sqrt(num(coef(svyvar(f, d, na.rm = TRUE)))))
}
svy_median <- function(f, d) num(coef(svyquantile(f, d, 0.5, qrule = "school", na.rm = TRUE,
                                                   ci = FALSE)))

# items[] of results.json for one design (or one group's design[group, ]).
item_summary <- function(d, q) {
  x <- d$variables[[q]]
  w <- weights(d, "sampling")
  ok <- !is.na(x)
  pts <- api_instrument$points
  out <- list(item = q, n = sum(ok), n_weighted = sum(w[ok]), missing = sum(!ok),
              counts = setNames(as.list(sapply(pts, function(p) sum(ok & x == p))), pts),
              weighted_counts = setNames(as.list(sapply(pts, function(p) sum(w[ok & x == p]))),
                                         pts))
  if (!any(ok)) return(out)
  f <- reformulate(q)
  m <- svy_value(f, d)
  out <- c(out, list(mean = m$estimate, se_mean = m$se, sd = svy_sd(f, d),
                     median = svy_median(f, d)))
  for (kind in c("agree", "neutral", "disagree", "favourable")) {
    v <- svy_value(reformulate(paste0(q, "_", kind)), d)
    out[[paste0("pct_", kind)]] <- 100 * v$estimate
    out[[paste0("se_pct_", kind)]] <- 100 * v$se
  }
  out
}

# The acceptance figure and its test: svyciprop(~a, d, method = "logit") (interval and glm
# estimate), SE and estimate of svymean, t = (p - p0) / SE with p svymean's, df = degf(d).
# svyciprop's interval is expit(logit p -/+ qt(0.975, df) SE / (p (1 - p))) (checked), but
# confint.svyglm turns the t quantile into a normal level, 1 - 2 pnorm(qt(0.025, df)), which
# rounds to 1 for df = 1 (a group of two PSUs in one stratum) and gives (-Inf, Inf), so
# svyciprop returns (0, NaN); there the interval is that formula's (ci_source "formula").
acceptance_record <- function(d, var) {
  f <- reformulate(var)
  m <- svymean(f, d, na.rm = TRUE)
  p <- num(coef(m))
  se <- num(SE(m))
  df <- degf(d)
  out <- list(pct_agree = 100 * p, se = 100 * se, df = df, svyciprop = NA, ci = NULL,
              statistic = NA, p_value = NA)
  if (p > 0 && p < 1 && se > 0 && df > 0) {
    ci <- svyciprop(f, d, method = "logit", df = df)
    half <- qt(0.975, df) * se / (p * (1 - p))
    formula_ci <- plogis(qlogis(p) + c(-half, half))
    out$ci_source <- "svyciprop"
    if (all(is.finite(attr(ci, "ci")))) {
      stopifnot(isTRUE(all.equal(num(attr(ci, "ci")), formula_ci, tolerance = 1e-7)))
      out$ci <- 100 * num(attr(ci, "ci"))
    } else {
      out$ci <- 100 * formula_ci
      out$ci_source <- "formula"
    }
    t <- (p - pipeline_p0) / se
    out$svyciprop <- 100 * num(ci)
    out$statistic <- t
    out$p_value <- pt(t, df, lower.tail = FALSE)
  }
  out
}

# constructs[] of results.json: scores on the wide design d, acceptance on the long design dl
# (both the whole design's, or one group's).
construct_summary <- function(d, dl, con) {
  sc <- score_col(con)
  s <- d$variables[[sc]]
  w <- weights(d, "sampling")
  ok <- !is.na(s)
  out <- list(id = con$id, n = sum(ok), n_weighted = sum(w[ok]),
              answers = if (is.null(dl)) 0 else nrow(dl$variables))
  if (any(ok)) {
    f <- reformulate(sc)
    m <- svy_value(f, d)
    ag <- svy_value(reformulate(paste0(sc, "_agrees")), d)
    out <- c(out, list(mean = m$estimate, se_mean = m$se, sd = svy_sd(f, d),
                       median = svy_median(f, d),
                       respondents_agreeing = list(count = sum(s[ok] >= 4), n = sum(ok),
                                                   pct = 100 * ag$estimate, se_pct = 100 * ag$se)))
  }
  if (!is.null(dl) && nrow(dl$variables) > 0) {
    acc <- acceptance_record(dl, "agree")
    neutral <- svy_value(~neutral, dl)
    disagree <- svy_value(~disagree, dl)
    out <- c(out, list(pct_agree = acc$pct_agree, se_pct_agree = acc$se,
                       svyciprop = acc$svyciprop, ci_pct_agree = acc$ci,
                       ci_source = acc$ci_source, df = acc$df,
                       respondents = length(unique(dl$variables$id)),
                       pct_neutral = 100 * neutral$estimate, se_pct_neutral = 100 * neutral$se,
                       pct_disagree = 100 * disagree$estimate,
                       se_pct_disagree = 100 * disagree$se))
  }
  out
}

# Rao-Scott (svychisq on the long design of the groups tested) and the design-based rank test
# (svyranktest on the wide design of the groups tested; one mid-rank per tie, which is R's own
# result without ties or with equal weights) of one construct by one grouping.
group_tests_record <- function(d, dl, con, g) {
  sc <- score_col(con)
  levels <- sort(unique(d$variables[[g]]))
  size <- function(v) sapply(levels, function(l) sum(v == l))
  resp <- size(unique(dl$variables[c("id", g)])[[g]])
  scored <- size(d$variables[[g]][!is.na(d$variables[[sc]])])
  min_size <- api_instrument$min_group_size
  out <- list(construct = con$id)
  tested <- levels[resp >= min_size]
  out$rao_scott <- list(groups = I(tested), group_sizes = I(unname(resp[resp >= min_size])),
                        excluded = I(levels[resp > 0 & resp < min_size]))
  if (length(tested) >= 2) {
    dlt <- dl[dl$variables[[g]] %in% tested, ]
    r <- svychisq(reformulate(c("agree", g)), dlt, statistic = "F")
    out$rao_scott <- c(out$rao_scott, list(F = num(r$statistic), ndf = num(r$parameter["ndf"]),
                                           ddf = num(r$parameter["ddf"]), p_value = num(r$p.value),
                                           nu = degf(dlt)))
    if (length(tested) < length(levels)) {
      # the same with the left-out groups' labels set to NA on the whole long design instead:
      # svychisq's nu then counts their PSUs and strata too (it counts every row's)
      dl$variables$tested_group <- ifelse(dl$variables[[g]] %in% tested, dl$variables[[g]], NA)
      r <- svychisq(~agree + tested_group, dl, statistic = "F")
      out$rao_scott$as_missing <- list(F = num(r$statistic), ndf = num(r$parameter["ndf"]),
                                       ddf = num(r$parameter["ddf"]), p_value = num(r$p.value),
                                       nu = degf(dl))
    }
  }
  tested <- levels[scored >= min_size]
  out$rank <- list(groups = I(tested), group_sizes = I(unname(scored[scored >= min_size])),
                   excluded = I(levels[scored > 0 & scored < min_size]))
  if (length(tested) >= 2) {
    dt <- d[d$variables[[g]] %in% tested & !is.na(d$variables[[sc]]), ]
    f <- reformulate(g, sc)
    mid <- svyranktest_midrank(f, dt)
    own <- svyranktest_record(f, dt)
    if (length(unique(weights(dt, "sampling"))) == 1) stopifnot(isTRUE(all.equal(mid, own)))
    out$rank <- c(out$rank, list(test = if (length(tested) == 2) "wilcoxon" else "kruskal-wallis"),
                  mid, list(r_own = own))
  }
  out
}

pipeline_run <- function(name, spec, policy, options, groupings) {
  options(survey.lonely.psu = policy)
  data <- pipeline_data(spec)
  d <- make_design(spec, data)
  longs <- lapply(api_instrument$constructs, function(con) {
    make_design(spec, construct_long(data, con), long = TRUE)
  })
  w <- weights(d, "sampling")
  out <- list(name = name, spec = spec, policy = policy, options = options,
              rows = nrow(data),
              design = list(n_psu = if (is.null(spec$cluster)) nrow(data) else
                              length(unique(data[[spec$cluster]])),
                            n_strata = if (is.null(spec$strata)) 1 else
                              length(unique(data[[spec$strata]])),
                            sum_weights = sum(w), degf = degf(d)))
  out$items <- lapply(items, function(q) item_summary(d, q))
  out$constructs <- lapply(seq_along(api_instrument$constructs), function(k) {
    construct_summary(d, longs[[k]], api_instrument$constructs[[k]])
  })
  item_tests <- lapply(seq_along(items), function(j) {
    c(list(id = items[j]), acceptance_record(d, paste0(items[j], "_agree")))
  })
  con_tests <- lapply(seq_along(api_instrument$constructs), function(k) {
    c(list(id = api_instrument$constructs[[k]]$id), acceptance_record(longs[[k]], "agree"))
  })
  # p.adjust(holm) over the tests of one target kind (items; constructs)
  adjust <- function(tests) {
    p <- p.adjust(sapply(tests, function(t) t$p_value), "holm")
    lapply(seq_along(tests), function(i) c(tests[[i]], list(p_adj = p[i])))
  }
  out$acceptance <- list(p0 = pipeline_p0, items = adjust(item_tests),
                         constructs = adjust(con_tests))
  out$groupings <- lapply(groupings, function(g) {
    levels <- sort(unique(data[[g]]))
    groups <- lapply(levels, function(l) {
      dg <- in_group(d, g, l)
      list(group = l, n = sum(data[[g]] == l),
           items = lapply(items, function(q) item_summary(dg, q)),
           constructs = lapply(seq_along(api_instrument$constructs), function(k) {
             dlg <- longs[[k]]
             dlg <- if (any(dlg$variables[[g]] == l)) in_group(dlg, g, l) else NULL
             construct_summary(dg, dlg, api_instrument$constructs[[k]])
           }))
    })
    # svyby gives the same numbers as the group's own design (checked on q1, which every
    # school answers, and on PERF's acceptance)
    by <- svyby(~q1, reformulate(g), d, svymean, na.rm = TRUE)
    stopifnot(isTRUE(all.equal(num(coef(by)), sapply(groups, function(x) x$items[[1]]$mean))),
              isTRUE(all.equal(num(SE(by)), sapply(groups, function(x) x$items[[1]]$se_mean))))
    by <- svyby(~agree, reformulate(g), longs[[1]], svyciprop, method = "logit",
                vartype = c("se", "ci"))
    lower <- sapply(groups, function(x) c(x$constructs[[1]]$ci_pct_agree, NA)[1])
    stopifnot(isTRUE(all.equal(100 * num(SE(by)),
                               sapply(groups, function(x) x$constructs[[1]]$se_pct_agree))),
              isTRUE(all.equal((100 * by$ci_l)[!is.na(lower)], lower[!is.na(lower)])))
    list(group = g, groups = groups,
         tests = lapply(seq_along(api_instrument$constructs), function(k) {
           group_tests_record(d, longs[[k]], api_instrument$constructs[[k]], g)
         }))
  })
  options(survey.lonely.psu = "fail")
  out
}

# Runs: the designs above with the command line's options. "weights_only" is apistrat with its
# weights and no strata (every school its own PSU, one stratum); "unweighted" is R's design
# without weights (svydesign(ids = ~1)), run in Python with --weight one, a column of 1s the
# test adds to the rows.
specs_weights_only <- list(rows = "strat", weights = "pw", strata = NULL, cluster = NULL)
py_options <- function(where, weight = NULL, strata = NULL, cluster = NULL, policy = "fail") {
  list(where = I(where), weight = weight, strata = strata, cluster = cluster, lonely_psu = policy)
}
pipeline_runs <- list(
  pipeline_run("strat", specs$strat, "fail",
               py_options("design=strat", "pw", "stype"), c("awards", "stype")),
  pipeline_run("clus1", specs$clus1, "fail",
               py_options("design=clus1", "pw", cluster = "dnum"), c("awards", "stype")),
  pipeline_run("strat_clus", specs$strat_clus, "fail",
               py_options("design=clus1", "pw", "cstratum", "dnum"), c("stype", "awards")),
  pipeline_run("weights_only", specs_weights_only, "fail",
               py_options("design=strat", "pw"), c("awards", "stype")),
  pipeline_run("unweighted", specs$unweighted, "fail",
               py_options("design=strat", "one"), c("awards", "stype"))
)
for (policy in c("adjust", "average", "remove", "certainty")) {
  pipeline_runs[[length(pipeline_runs) + 1]] <- pipeline_run(
    "lonely_strat", specs$lonely_strat, policy,
    py_options(c("design=strat", "lonely_stratum!="), "pw", "lonely_stratum", policy = policy),
    c("awards", "stype"))
  pipeline_runs[[length(pipeline_runs) + 1]] <- pipeline_run(
    "lonely_clus", specs$lonely_clus, policy,
    py_options(c("design=clus1", "lonely_stratum!="), "pw", "lonely_stratum", "dnum", policy),
    c("awards", "stype"))
}
pipeline <- list(
  instrument = api_instrument,
  calls = list(
    items = paste("svymean(~q | ~I(q %in% codes), d, na.rm = TRUE); sqrt(svyvar(~q, d,",
                  "na.rm = TRUE)); svyquantile(~q, d, 0.5, qrule = 'school', na.rm = TRUE)"),
    constructs = paste("the same of the score on d; acceptance svymean(~agree | ~neutral |",
                       "~disagree, dl), svyciprop(~agree, dl, method = 'logit'), degf(dl)"),
    long_design = "dl <- svydesign(ids = ~cluster or ~id, strata, weights, data = long)",
    groups = "the same on d[group, ] and dl[group, ] (= svyby)",
    acceptance = "t = (svymean - p0) / SE, pt(t, degf, lower.tail = FALSE), p.adjust(holm)",
    rao_scott = "svychisq(~agree + group, dl[tested groups, ], statistic = 'F')",
    rank = "svyranktest_midrank(score ~ group, d[tested groups with a score, ])"
  ),
  runs = pipeline_runs
)

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
  bfi = list(constructs = bfi_constructs, item_chisq = bfi_item_chisq, ranks = bfi_ranks),
  pipeline = pipeline
)
write_reference(out, "survey.json")
cat("survey.json written with", R.version.string, "survey",
    as.character(packageVersion("survey")), "\n")
