/* list_shape.h - op table rows: tensor creation, views, copies, indexing,
/* clang-format off */
/* clang-format on */
