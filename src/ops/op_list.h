/*
 * op_list.h - THE op table: every operator pt2c runs, one row each, sorted by target
 * (registry.c looks targets up by binary search; test_ops checks the order).
 *
 * PT2C_OP(target, parse, shape, scratch, kernel, flags)
 *   target   the node target as serialized ("torch.ops.aten.relu.default", "_operator.mul")
 *   parse    reads arguments into params, declares tensor inputs       (plan build)
 *   shape    output dtypes and sizes from input metadata                (per input shape)
 *   scratch  bytes of scratch the kernel needs, pt2c_scratch_none if none
 *   kernel   the computation, pt2c_k_none for ops with no data work
 *   flags    PT2C_OP_PURE, PT2C_OP_VIEW, PT2C_OP_SYM, PT2C_OP_NOOP
 *
 * Adding an op: CONTRIBUTING.md.
 */
/* clang-format off */
PT2C_OP("torch.ops.aten._native_batch_norm_legit_no_training.default", pt2c_parse_batch_norm_legit, pt2c_shape_batch_norm, pt2c_scratch_none, pt2c_k_batch_norm, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.abs.default", pt2c_parse_abs, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.add.Tensor",             pt2c_parse_add,          pt2c_shape_binary,     pt2c_scratch_none, pt2c_k_binary,      PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.add_.Tensor",            pt2c_parse_add,          pt2c_shape_binary,     pt2c_scratch_none, pt2c_k_binary,      PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.addmm.default",          pt2c_parse_addmm,        pt2c_shape_addmm,      pt2c_scratch_none, pt2c_k_addmm,       PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.batch_norm.default",     pt2c_parse_batch_norm,   pt2c_shape_batch_norm, pt2c_scratch_none, pt2c_k_batch_norm,  PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.conv2d.default",         pt2c_parse_conv2d,       pt2c_shape_conv,       pt2c_scratch_none, pt2c_k_conv,        PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.convolution.default",    pt2c_parse_convolution,  pt2c_shape_conv,       pt2c_scratch_none, pt2c_k_conv,        PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.div.Tensor",             pt2c_parse_div,          pt2c_shape_binary,     pt2c_scratch_none, pt2c_k_binary,      PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.exp.default", pt2c_parse_exp, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.flatten.using_ints",     pt2c_parse_flatten,      pt2c_shape_flatten,    pt2c_scratch_none, pt2c_k_none,        PT2C_OP_VIEW)
PT2C_OP("torch.ops.aten.gelu.default", pt2c_parse_gelu, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.hardsigmoid.default", pt2c_parse_hardsigmoid, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.hardswish.default", pt2c_parse_hardswish, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.hardswish_.default", pt2c_parse_hardswish, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.hardtanh.default", pt2c_parse_hardtanh, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.hardtanh_.default", pt2c_parse_hardtanh, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.linear.default",         pt2c_parse_linear,       pt2c_shape_linear,     pt2c_scratch_none, pt2c_k_linear,      PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.log.default", pt2c_parse_log, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.max_pool2d.default",     pt2c_parse_max_pool2d,   pt2c_shape_max_pool2d, pt2c_scratch_none, pt2c_k_max_pool2d,  PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.max_pool2d_with_indices.default", pt2c_parse_max_pool2d, pt2c_shape_max_pool2d, pt2c_scratch_none, pt2c_k_max_pool2d, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.mul.Tensor",             pt2c_parse_mul,          pt2c_shape_binary,     pt2c_scratch_none, pt2c_k_binary,      PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.neg.default", pt2c_parse_neg, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.permute.default",        pt2c_parse_permute,      pt2c_shape_permute,    pt2c_scratch_none, pt2c_k_permute,     PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.relu.default",           pt2c_parse_unary,        pt2c_shape_unary,      pt2c_scratch_none, pt2c_k_relu,        PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.relu6.default", pt2c_parse_relu6, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.relu6_.default", pt2c_parse_relu6, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.relu_.default",          pt2c_parse_unary,        pt2c_shape_unary,      pt2c_scratch_none, pt2c_k_relu,        PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.reshape.default",        pt2c_parse_view,         pt2c_shape_view,       pt2c_scratch_none, pt2c_k_none,        PT2C_OP_VIEW)
PT2C_OP("torch.ops.aten.rsqrt.default", pt2c_parse_rsqrt, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.sigmoid.default", pt2c_parse_sigmoid, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.silu.default", pt2c_parse_silu, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.silu_.default", pt2c_parse_silu, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.sqrt.default", pt2c_parse_sqrt, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.sub.Tensor",             pt2c_parse_sub,          pt2c_shape_binary,     pt2c_scratch_none, pt2c_k_binary,      PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.t.default",              pt2c_parse_t,            pt2c_shape_permute,    pt2c_scratch_none, pt2c_k_permute,     PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.tanh.default", pt2c_parse_tanh, pt2c_shape_unary_float, pt2c_scratch_none, pt2c_k_unary_float, PT2C_OP_PURE)
PT2C_OP("torch.ops.aten.view.default",           pt2c_parse_view,         pt2c_shape_view,       pt2c_scratch_none, pt2c_k_none,        PT2C_OP_VIEW)
/* clang-format on */
