/* list_shape.h - op table rows: tensor creation, views, copies, indexing,
 * concatenation. Sorted by target. See op_list.h. */
/* clang-format off */
/* clang-format on */
