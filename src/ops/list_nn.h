/* list_nn.h - op table rows: normalization, attention, pooling, upsampling,
 * recurrent layers. Sorted by target. See op_list.h. */
/* clang-format off */
/* clang-format on */
