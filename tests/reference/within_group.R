# Reference numbers for ipss_survey.stats.within_group: agreement within groups and the
# intraclass correlations, as the multilevel package computes them.
# Run from this folder:  Rscript datasets.R && Rscript within_group.R   (writes within_group.json)
# Cases: psychTools::tai by study (28 groups of 40-342), "panels" of tai (the first 1-6
# respondents of each study: groups of one and two, and groups whose variance exceeds the
# uniform null's), psych::bfi by education (5 groups; education missing for 223) and by age
# (groups of one). Items keep their missing answers: rwg uses each item's own answers,
# rwg.j the respondents who answered every item of the construct (multilevel's na.exclude).
source("common.R")
suppressPackageStartupMessages(library(multilevel))

tai <- load_tai()
bfi <- load_bfi()
scores_tai <- read.csv("scores_tai.csv", stringsAsFactors = FALSE)
scores_bfi <- read.csv("scores_bfi.csv")

# The uniform ("rectangular") null: (A^2 - 1) / 12 for A scale points.
ranvar <- function(points) (length(points)^2 - 1) / 12

# Group labels as character, missing ones NA (dropped by multilevel and by the Python code).
labels <- function(g) ifelse(is.na(g), NA, as.character(g))

rwg_case <- function(items, group, points) {
  sigma <- ranvar(points)
  lapply(names(items), function(item) {
    r <- rwg(items[[item]], labels(group), ranvar = sigma)
    list(item = item, groups = as.character(r$grpid), rwg = unname(r$rwg),
         gsize = as.integer(r$gsize))
  })
}

rwg_j_case <- function(data, keys, group, points) {
  sigma <- ranvar(points)
  lapply(names(keys), function(construct) {
    x <- data[, item_codes(keys[[construct]]), drop = FALSE]
    r <- rwg.j(x, labels(group), ranvar = sigma)
    list(construct = construct, items = item_codes(keys[[construct]]),
         groups = as.character(r$grpid), rwg_j = unname(r$rwg.j), gsize = as.integer(r$gsize),
         complete = sum(complete.cases(x) & !is.na(group)))
  })
}

icc_case <- function(scores, group, constructs) {
  lapply(constructs, function(construct) {
    d <- data.frame(score = scores[[construct]], group = labels(group))
    model <- aov(score ~ as.factor(group), data = d)
    table <- summary(model)[[1]]
    used <- !is.na(d$score) & !is.na(d$group)
    list(construct = construct, icc1 = ICC1(model), icc2 = ICC2(model),
         ms_between = table[1, 3], ms_within = table[2, 3],
         df_between = table[1, 1], df_within = table[2, 1],
         n = sum(used), n_groups = length(unique(d$group[used])))
  })
}

case <- function(dataset, grouping, data, keys, group, scores, points, rows) {
  items <- data[, unique(item_codes(unlist(keys))), drop = FALSE]
  list(dataset = dataset, grouping = grouping, rows = rows, points = points,
       ranvar = ranvar(points),
       rwg = rwg_case(items, group, points),
       rwg_j = rwg_j_case(data, keys, group, points),
       icc = icc_case(scores, group, names(keys)))
}

all_rows <- function(d) seq_len(nrow(d))
# Panels: the first 1, 2, ..., 6, 1, 2, ... respondents of each study (studies in code-point
# order), a few answers missing among them.
studies <- sort(unique(tai$study), method = "radix")
panel_rows <- unlist(lapply(seq_along(studies), function(i) {
  which(tai$study == studies[i])[seq_len(1 + (i - 1) %% 6)]
}))

cases <- list(
  case("tai", "study", tai, tai_keys, tai$study, scores_tai, scales$tai$points, NULL),
  case("tai", "panel", tai[panel_rows, ], tai_keys, tai$study[panel_rows],
       scores_tai[panel_rows, ], scales$tai$points, panel_rows),
  case("bfi", "education", bfi, bfi_keys, bfi$education, scores_bfi, scales$bfi$points, NULL),
  case("bfi", "age", bfi, bfi_keys, bfi$age, scores_bfi, scales$bfi$points, NULL)
)

# Hand-sized: one group of two at the ends of a 4-point scale (variance 4.5 > 1.25: rwg 0), one
# of three in agreement, one of one.
hand <- data.frame(x = c(1, 4, 2, 2, 3, 4, NA), y = c(1, 4, 2, 2, 2, 4, 3),
                   g = c("a", "a", "b", "b", "b", "c", "b"))
hand_r <- rwg(hand$x, hand$g, ranvar = 1.25)
hand_rj <- rwg.j(hand[, c("x", "y")], hand$g, ranvar = 1.25)

write_reference(list(
  versions = c(versions(), multilevel = as.character(packageVersion("multilevel"))),
  calls = list(
    rwg = "multilevel::rwg(x[[item]], grpid, ranvar = (A^2 - 1) / 12)",
    rwg_j = "multilevel::rwg.j(x[, items], grpid, ranvar = (A^2 - 1) / 12)",
    icc1 = "multilevel::ICC1(aov(score ~ as.factor(group)))",
    icc2 = "multilevel::ICC2(aov(score ~ as.factor(group)))",
    rows = "panel: 1-based rows of tai.csv used (null: every row)"
  ),
  cases = cases,
  hand = list(data = hand, ranvar = 1.25,
              rwg = list(groups = as.character(hand_r$grpid), rwg = unname(hand_r$rwg),
                         gsize = hand_r$gsize),
              rwg_j = list(groups = as.character(hand_rj$grpid), rwg_j = unname(hand_rj$rwg.j),
                           gsize = hand_rj$gsize))
), "within_group.json")

for (cs in cases) {
  r <- unlist(lapply(cs$rwg, `[[`, "rwg"))
  g <- unlist(lapply(cs$rwg, `[[`, "gsize"))
  cat(sprintf("%s by %s: %d rwg (%d NA, %d zero, min gsize %d); ICC1 %s\n", cs$dataset,
              cs$grouping, length(r), sum(is.na(r)), sum(r == 0, na.rm = TRUE), min(g),
              paste(sprintf("%.3f", sapply(cs$icc, `[[`, "icc1")), collapse = " ")))
}
