/* list_nn.h - op table rows: normalization, attention, pooling, upsampling,
/* clang-format off */
/* clang-format on */
