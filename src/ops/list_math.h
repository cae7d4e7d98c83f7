/* list_math.h - op table rows: reductions, comparisons, scalar arithmetic,
 * matmul. Sorted by target. See op_list.h. */
/* clang-format off */
/* clang-format on */
