/* list_math.h - op table rows: reductions, comparisons, scalar arithmetic,
/* clang-format off */
/* clang-format on */
