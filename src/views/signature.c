/*
 * signature.c - SIGNATURE view: str(ep.graph_signature) of the program torch.export.load
 * rebuilds from the file, byte for byte:
 *
 *     (empty line)
 *     # inputs
 *     p_conv_weight: PARAMETER target='conv.weight'
 *     b_mask: BUFFER target='mask' persistent=True
 *     x: USER_INPUT
 *     (empty line)
 *     # outputs
 *     relu: USER_OUTPUT
 *
 * Each line is "<arg name>: <InputKind/OutputKind name>[ target='<t>'][ persistent=<b>]".
 * The arg name is what torch's deserializer keeps: tensors, SymInts, SymFloats and custom
 * objects keep their name; every other user input/output argument (a literal int, None, a
 * SymBool, ...) becomes a ConstantArgument named "", so its line starts with ": ".
 */
#include "views/views.h"

/* InputKind / OutputKind names as Python prints them, from the IR's X-macros. */
static const char *sig_input_kind_name(pt2c_input_spec_kind kind) {
    switch (kind) {
#define SIG_INPUT_CASE(name, key, py)                                                              \
    case PT2C_INPUT_##name:                                                                        \
        return py;
        PT2C_FORALL_INPUT_SPEC_KINDS(SIG_INPUT_CASE)
#undef SIG_INPUT_CASE
    default:
        return "UNKNOWN";
    }
}

static const char *sig_output_kind_name(pt2c_output_spec_kind kind) {
    switch (kind) {
#define SIG_OUTPUT_CASE(name, key, py)                                                             \
    case PT2C_OUTPUT_##name:                                                                       \
        return py;
        PT2C_FORALL_OUTPUT_SPEC_KINDS(SIG_OUTPUT_CASE)
#undef SIG_OUTPUT_CASE
    default:
        return "UNKNOWN";
    }
}

/* The name torch's deserialize_argument_spec gives a user input/output argument. */
static const char *sig_user_arg_name(const pt2c_arg *arg) {
    switch (arg->kind) {
    case PT2C_ARG_TENSOR:
    case PT2C_ARG_SYM_INT:   /* as_name; a literal has no name */
    case PT2C_ARG_SYM_FLOAT: /* as_name */
    case PT2C_ARG_CUSTOM_OBJ:
        return arg->name ? arg->name : "";
    default:
        return ""; /* ConstantArgument(name="") */
    }
}

static void sig_target(pt2c_strbuf *sb, const char *target) {
    if (target)
        pt2c_strbuf_printf(sb, " target='%s'", target);
}

pt2c_status pt2c_view_signature(const pt2c_program *prog, pt2c_strbuf *sb, pt2c_error *err) {
    PT2C_CHECK(prog && sb, err, PT2C_ERR_ARG, "render: signature: program and buffer required");
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;

    /* Python joins the lines with "\n" inside "\n# inputs\n{...}\n\n# outputs\n{...}\n", so
     * an empty list still leaves its own empty line. */
    pt2c_strbuf_puts(sb, "\n# inputs\n");
    for (int32_t i = 0; sig->input_specs && i < sig->n_input_specs; i++) {
        const pt2c_input_spec *s = &sig->input_specs[i];
        if (i > 0)
            pt2c_strbuf_putc(sb, '\n');
        const char *name;
        const char *target = NULL;
        switch (s->kind) {
        case PT2C_INPUT_USER_INPUT:
            name = sig_user_arg_name(&s->arg);
            break;
        case PT2C_INPUT_CONSTANT_INPUT:
            /* ConstantArgument(name=constant_input.name): the IR keeps the name in target. */
            name = s->target ? s->target : "";
            break;
        case PT2C_INPUT_TOKEN:
            name = s->arg.name ? s->arg.name : "";
            break;
        default: /* PARAMETER, BUFFER, TENSOR_CONSTANT, CUSTOM_OBJ carry their FQN */
            name = s->arg.name ? s->arg.name : "";
            target = s->target;
            break;
        }
        pt2c_strbuf_printf(sb, "%s: %s", name, sig_input_kind_name(s->kind));
        sig_target(sb, target);
        /* Only buffers get a persistent flag; the others keep persistent=None. */
        if (s->kind == PT2C_INPUT_BUFFER)
            pt2c_strbuf_puts(sb, s->persistent ? " persistent=True" : " persistent=False");
    }

    pt2c_strbuf_puts(sb, "\n\n# outputs\n");
    for (int32_t i = 0; sig->output_specs && i < sig->n_output_specs; i++) {
        const pt2c_output_spec *s = &sig->output_specs[i];
        if (i > 0)
            pt2c_strbuf_putc(sb, '\n');
        const char *name;
        const char *target = NULL;
        switch (s->kind) {
        case PT2C_OUTPUT_USER_OUTPUT:
            name = sig_user_arg_name(&s->arg);
            break;
        case PT2C_OUTPUT_LOSS_OUTPUT:
        case PT2C_OUTPUT_TOKEN:
            name = s->arg.name ? s->arg.name : "";
            break;
        default: /* mutations and gradients name the buffer/parameter/input they update */
            name = s->arg.name ? s->arg.name : "";
            target = s->target;
            break;
        }
        pt2c_strbuf_printf(sb, "%s: %s", name, sig_output_kind_name(s->kind));
        sig_target(sb, target);
    }
    pt2c_strbuf_putc(sb, '\n');
    return PT2C_OK;
}
