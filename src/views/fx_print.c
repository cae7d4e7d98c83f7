/*
 * fx_print.c - the three FX printouts of a graph module, matching torch 2.13 byte for byte
 * (trailing whitespace aside):
 *   PT2C_VIEW_CODE      graph_module.code           (torch/fx/graph.py CodeGen)
 *   PT2C_VIEW_READABLE  print_readable(include_device=True)
 *   PT2C_VIEW_GRAPH     str(graph_module.graph)     (torch/fx/node.py format_node)
 * Values print with Python's repr() in code and str() in the graph: 'constant' vs constant,
 * device(type='cpu') vs cpu.
 */
#include "views/fx_graph.h"
#include "views/views.h"

#include <math.h>
#include <string.h>

typedef enum print_mode { MODE_CODE, MODE_GRAPH } print_mode;

typedef struct printer {
    const pt2c_program *prog;
    pt2c_arena *arena;
    pt2c_error *err;
} printer;

/* ---------------------------------------------------------------------------------------- */
/* Values                                                                                   */

static void put_py_str(pt2c_strbuf *sb, const char *s, print_mode mode) {
    if (mode == MODE_GRAPH) {
        pt2c_strbuf_puts(sb, s);
        return;
    }
    /* Python repr: single quotes unless the text has ' and no ". */
    char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    pt2c_strbuf_putc(sb, q);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == (unsigned char)q || *p == '\\')
            pt2c_strbuf_printf(sb, "\\%c", *p);
        else if (*p == '\n')
            pt2c_strbuf_puts(sb, "\\n");
        else if (*p == '\r')
            pt2c_strbuf_puts(sb, "\\r");
        else if (*p == '\t')
            pt2c_strbuf_puts(sb, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            pt2c_strbuf_printf(sb, "\\x%02x", *p);
        else
            pt2c_strbuf_putc(sb, (char)*p);
    }
    pt2c_strbuf_putc(sb, q);
}

static void put_float(pt2c_strbuf *sb, double v) {
    char buf[40];
    pt2c_format_py_float(v, buf, sizeof buf);
    pt2c_strbuf_puts(sb, buf);
}

/* repr(complex): "(1+2j)", "2j"; the parts drop a trailing ".0". */
static void put_complex_part(pt2c_strbuf *sb, double v) {
    char buf[40];
    pt2c_format_py_float(v, buf, sizeof buf);
    size_t n = strlen(buf);
    if (n > 2 && strcmp(buf + n - 2, ".0") == 0)
        buf[n - 2] = '\0';
    pt2c_strbuf_puts(sb, buf);
}

static void put_complex(pt2c_strbuf *sb, double re, double im) {
    if (re == 0.0 && !signbit(re)) {
        put_complex_part(sb, im);
        pt2c_strbuf_putc(sb, 'j');
        return;
    }
    pt2c_strbuf_putc(sb, '(');
    put_complex_part(sb, re);
    if (!(im < 0) && !signbit(im))
        pt2c_strbuf_putc(sb, '+');
    put_complex_part(sb, im);
    pt2c_strbuf_puts(sb, "j)");
}

static const char *memory_format_name(int64_t v) {
    switch (v) {
    case 1:
        return "torch.contiguous_format";
    case 2:
        return "torch.channels_last";
    case 3:
        return "torch.channels_last_3d";
    case 4:
        return "torch.preserve_format";
    default:
        return NULL;
    }
}

static const char *layout_name(int64_t v) {
    switch (v) {
    case 1:
        return "torch.sparse_coo";
    case 2:
        return "torch.sparse_csr";
    case 3:
        return "torch.sparse_csc";
    case 4:
        return "torch.sparse_bsr";
    case 5:
        return "torch.sparse_bsc";
    case 6:
        return "torch._mkldnn";
    case 7:
        return "torch.strided";
    default:
        return NULL;
    }
}

static void put_device(pt2c_strbuf *sb, const pt2c_device *d, print_mode mode) {
    const char *type = d->type ? d->type : "cpu";
    if (mode == MODE_GRAPH) {
        pt2c_strbuf_puts(sb, type);
        if (d->index >= 0)
            pt2c_strbuf_printf(sb, ":%lld", (long long)d->index);
        return;
    }
    pt2c_strbuf_printf(sb, "device(type='%s'", type);
    if (d->index >= 0)
        pt2c_strbuf_printf(sb, ", index=%lld", (long long)d->index);
    pt2c_strbuf_putc(sb, ')');
}

static void put_ref(pt2c_strbuf *sb, const char *name, print_mode mode) {
    if (mode == MODE_GRAPH)
        pt2c_strbuf_putc(sb, '%');
    pt2c_strbuf_puts(sb, name);
}

static void put_arg(pt2c_strbuf *sb, const pt2c_arg *a, print_mode mode, int depth);

static void put_list(pt2c_strbuf *sb, const pt2c_arg *a, print_mode mode, int depth) {
    pt2c_strbuf_putc(sb, '[');
    for (int64_t i = 0; i < a->n_items; i++) {
        if (i)
            pt2c_strbuf_puts(sb, ", ");
        put_arg(sb, &a->items[i], mode, depth + 1);
    }
    pt2c_strbuf_putc(sb, ']');
}

static void put_arg(pt2c_strbuf *sb, const pt2c_arg *a, print_mode mode, int depth) {
    if (depth > 64) {
        pt2c_strbuf_puts(sb, "...");
        return;
    }
    switch (a->kind) {
    case PT2C_ARG_NONE:
        pt2c_strbuf_puts(sb, "None");
        return;
    case PT2C_ARG_TENSOR:
    case PT2C_ARG_CUSTOM_OBJ:
    case PT2C_ARG_GRAPH:
        put_ref(sb, a->name ? a->name : "None", mode);
        return;
    case PT2C_ARG_OPTIONAL_TENSOR:
        if (a->name)
            put_ref(sb, a->name, mode);
        else
            pt2c_strbuf_puts(sb, "None");
        return;
    case PT2C_ARG_INT:
        pt2c_strbuf_printf(sb, "%lld", (long long)a->i);
        return;
    case PT2C_ARG_FLOAT:
        put_float(sb, a->f);
        return;
    case PT2C_ARG_BOOL:
        pt2c_strbuf_puts(sb, a->b ? "True" : "False");
        return;
    case PT2C_ARG_STRING:
        put_py_str(sb, a->str ? a->str : "", mode);
        return;
    case PT2C_ARG_SYM_INT:
        if (a->name)
            put_ref(sb, a->name, mode);
        else
            pt2c_strbuf_printf(sb, "%lld", (long long)a->i);
        return;
    case PT2C_ARG_SYM_FLOAT:
        if (a->name)
            put_ref(sb, a->name, mode);
        else
            put_float(sb, a->f);
        return;
    case PT2C_ARG_SYM_BOOL:
        if (a->name)
            put_ref(sb, a->name, mode);
        else
            pt2c_strbuf_puts(sb, a->b ? "True" : "False");
        return;
    case PT2C_ARG_SCALAR_TYPE:
        pt2c_strbuf_puts(sb, pt2c_dtype_name((pt2c_dtype)a->i));
        return;
    case PT2C_ARG_MEMORY_FORMAT: {
        const char *n = memory_format_name(a->i);
        if (n)
            pt2c_strbuf_puts(sb, n);
        else
            pt2c_strbuf_printf(sb, "<memory_format %lld>", (long long)a->i);
        return;
    }
    case PT2C_ARG_LAYOUT: {
        const char *n = layout_name(a->i);
        if (n)
            pt2c_strbuf_puts(sb, n);
        else
            pt2c_strbuf_printf(sb, "<layout %lld>", (long long)a->i);
        return;
    }
    case PT2C_ARG_DEVICE:
        put_device(sb, &a->device, mode);
        return;
    case PT2C_ARG_OPERATOR: {
        const char *op = a->str ? a->str : "";
        /* str(OpOverload) is "aten.add.Tensor"; code names it in full. */
        if (mode == MODE_GRAPH && strncmp(op, "torch.ops.", 10) == 0)
            op += 10;
        pt2c_strbuf_puts(sb, op);
        return;
    }
    case PT2C_ARG_COMPLEX:
        put_complex(sb, a->f, a->f_imag);
        return;
    case PT2C_ARG_STRING_TO_ARGUMENT:
        pt2c_strbuf_putc(sb, '{');
        for (int64_t i = 0; i < a->n_items; i++) {
            if (i)
                pt2c_strbuf_puts(sb, ", ");
            put_py_str(sb, a->items[i].key ? a->items[i].key : "", mode);
            pt2c_strbuf_puts(sb, ": ");
            put_arg(sb, &a->items[i], mode, depth + 1);
        }
        pt2c_strbuf_putc(sb, '}');
        return;
    default: /* every list kind */
        put_list(sb, a, mode, depth);
        return;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Annotations                                                                              */

void fx_put_dtype_sizes(pt2c_strbuf *sb, const pt2c_tensor_meta *m) {
    pt2c_strbuf_puts(sb, pt2c_dtype_abbr(m->dtype));
    pt2c_strbuf_putc(sb, '[');
    for (int32_t d = 0; d < m->rank; d++) {
        if (d)
            pt2c_strbuf_puts(sb, ", ");
        pt2c_sym_print(&m->sizes[d], sb);
    }
    pt2c_strbuf_putc(sb, ']');
}

static void put_tensor_annotation(pt2c_strbuf *sb, const pt2c_tensor_meta *m) {
    fx_put_dtype_sizes(sb, m);
    put_device(sb, &m->device, MODE_GRAPH);
}

/* ': "f32[1, 3]cpu"' or ': "Sym(s0)"', empty when the value has no annotation. */
static void put_annotation(pt2c_strbuf *sb, const fx_node *n) {
    if (n->meta == FX_META_TENSOR) {
        pt2c_strbuf_puts(sb, ": \"");
        put_tensor_annotation(sb, n->tensor);
        pt2c_strbuf_putc(sb, '"');
    } else if (n->meta == FX_META_SYM) {
        pt2c_strbuf_puts(sb, ": \"Sym(");
        pt2c_sym_print(n->sym, sb);
        pt2c_strbuf_puts(sb, ")\"");
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Stack-trace summaries (torch.fx.graph._parse_stack_trace)                                 */

static bool is_py_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Matches ^File "(.+)", line (\d+), in (.+)$ on a stripped line; the greedy file group
 * takes the last '", line ' that the rest of the pattern accepts. */
static bool match_frame(const char *s, size_t n, size_t *file_len, const char **lineno,
                        size_t *lineno_len, const char **func, size_t *func_len) {
    static const char pre[] = "File \"";
    static const char mid[] = "\", line ";
    if (n < sizeof pre - 1 || memcmp(s, pre, sizeof pre - 1) != 0)
        return false;
    for (size_t k = n; k-- > sizeof pre;) {
        if (k + sizeof mid - 1 > n || memcmp(s + k, mid, sizeof mid - 1) != 0)
            continue;
        size_t p = k + sizeof mid - 1, d = p;
        while (d < n && s[d] >= '0' && s[d] <= '9')
            d++;
        if (d == p || n - d < 5 || memcmp(s + d, ", in ", 5) != 0 || d + 5 >= n)
            continue;
        *file_len = k - (sizeof pre - 1);
        *lineno = s + p;
        *lineno_len = d - p;
        *func = s + d + 5;
        *func_len = n - (d + 5);
        return true;
    }
    return false;
}

typedef struct line_span {
    const char *s;
    size_t n;
} line_span;

static line_span strip(const char *s, size_t n) {
    while (n && is_py_space(*s))
        s++, n--;
    while (n && is_py_space(s[n - 1]))
        n--;
    return (line_span){s, n};
}

/* "File: f.py:12 in forward, code: x = y" or false when the trace has no frame. */
static bool stack_summary(pt2c_strbuf *sb, const char *trace) {
    line_span all = strip(trace, strlen(trace));
    /* Line starts; the summary needs the frame line and the code line after it. */
    size_t n_lines = 1;
    for (size_t i = 0; i < all.n; i++)
        n_lines += all.s[i] == '\n';
    if (n_lines < 2)
        return false;
    /* Walk lines backwards from the second to last. */
    const char *end = all.s + all.n;
    const char *line_end = end;
    const char *next_start = NULL, *next_end = NULL;
    /* Find the start of the last line first. */
    const char *p = end;
    while (p > all.s && p[-1] != '\n')
        p--;
    next_start = p;
    next_end = end;
    line_end = p > all.s ? p - 1 : p;
    while (p > all.s) {
        const char *ls = line_end;
        while (ls > all.s && ls[-1] != '\n')
            ls--;
        line_span l = strip(ls, (size_t)(line_end - ls));
        size_t file_len, lineno_len, func_len;
        const char *lineno, *func;
        if (match_frame(l.s, l.n, &file_len, &lineno, &lineno_len, &func, &func_len)) {
            line_span code = strip(next_start, (size_t)(next_end - next_start));
            pt2c_strbuf_puts(sb, "File: ");
            pt2c_strbuf_append(sb, l.s + 6, file_len);
            pt2c_strbuf_putc(sb, ':');
            pt2c_strbuf_append(sb, lineno, lineno_len);
            pt2c_strbuf_puts(sb, " in ");
            pt2c_strbuf_append(sb, func, func_len);
            pt2c_strbuf_puts(sb, ", code: ");
            pt2c_strbuf_append(sb, code.s, code.n);
            return true;
        }
        next_start = ls;
        next_end = line_end;
        p = ls;
        line_end = p > all.s ? p - 1 : p;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Code generation (CodeGen._gen_python_code)                                                */

/* Infix forms of _operator functions (torch.fx.graph.magic_methods). */
static const char *magic_format(const char *target) {
    static const char *const table[][2] = {
        {"add", "{} + {}"},       {"sub", "{} - {}"},     {"mul", "{} * {}"},
        {"floordiv", "{} // {}"}, {"truediv", "{} / {}"}, {"div", "{} / {}"},
        {"mod", "{} % {}"},       {"pow", "{} ** {}"},    {"lshift", "{} << {}"},
        {"rshift", "{} >> {}"},   {"and_", "{} & {}"},    {"or_", "{} | {}"},
        {"xor", "{} ^ {}"},       {"getitem", "{}[{}]"},  {"matmul", "{} @ {}"},
        {"eq", "{} == {}"},       {"ne", "{} != {}"},     {"lt", "{} < {}"},
        {"gt", "{} > {}"},        {"le", "{} <= {}"},     {"ge", "{} >= {}"},
        {"pos", "+{}"},           {"neg", "-{}"},         {"invert", "~{}"}};
    const char *name = NULL;
    if (strncmp(target, "_operator.", 10) == 0)
        name = target + 10;
    else if (strncmp(target, "operator.", 9) == 0)
        name = target + 9;
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(name, table[i][0]) == 0)
            return table[i][1];
    return NULL;
}

/* The "name" text FX prints for a call target in str(graph). */
static void put_graph_target(pt2c_strbuf *sb, const char *target) {
    if (strncmp(target, "_operator.", 10) == 0) {
        pt2c_strbuf_puts(sb, "operator.");
        pt2c_strbuf_puts(sb, target + 10);
        return;
    }
    pt2c_strbuf_puts(sb, target);
}

static void put_call_code(pt2c_strbuf *sb, const fx_graph *fg, const fx_node *n) {
    if (n->op == FX_GETITEM) {
        pt2c_strbuf_printf(sb, "%s[%lld]", fg->nodes[n->parent].name, (long long)n->item);
        return;
    }
    const char *fmt = magic_format(n->target);
    if (fmt && n->n_kwargs == 0) {
        int32_t k = 0;
        for (const char *p = fmt; *p; p++) {
            if (p[0] == '{' && p[1] == '}') {
                if (k < n->n_args)
                    put_arg(sb, &n->args[k]->arg, MODE_CODE, 0);
                k++;
                p++;
            } else {
                pt2c_strbuf_putc(sb, *p);
            }
        }
        return;
    }
    pt2c_strbuf_puts(sb, n->target);
    pt2c_strbuf_putc(sb, '(');
    for (int32_t i = 0; i < n->n_args; i++) {
        if (i)
            pt2c_strbuf_puts(sb, ", ");
        put_arg(sb, &n->args[i]->arg, MODE_CODE, 0);
    }
    for (int32_t i = 0; i < n->n_kwargs; i++) {
        if (i || n->n_args)
            pt2c_strbuf_puts(sb, ", ");
        pt2c_strbuf_printf(sb, "%s = ", n->kwargs[i]->name);
        put_arg(sb, &n->kwargs[i]->arg, MODE_CODE, 0);
    }
    pt2c_strbuf_putc(sb, ')');
}

static void put_output_value(pt2c_strbuf *sb, const pt2c_graph *g, print_mode mode) {
    if (g->is_single_tensor_return && g->n_outputs == 1) {
        put_arg(sb, &g->outputs[0], mode, 0);
        return;
    }
    pt2c_strbuf_putc(sb, '(');
    for (int32_t i = 0; i < g->n_outputs; i++) {
        if (i)
            pt2c_strbuf_puts(sb, ", ");
        put_arg(sb, &g->outputs[i], mode, 0);
    }
    if (g->n_outputs == 1)
        pt2c_strbuf_putc(sb, ',');
    pt2c_strbuf_putc(sb, ')');
}

/* Python's graph.python_code(...).src; verbose adds annotations and stack summaries. */
static pt2c_status gen_code(printer *pr, const fx_graph *fg, bool verbose, pt2c_strbuf *out) {
    int64_t n = fg->n_nodes;
    /* Each node's last user, and per user the values whose last use it is. */
    int64_t *last_user = PT2C_ARENA_ARRAY(pr->arena, int64_t, n);
    int64_t *first_freed = PT2C_ARENA_ARRAY(pr->arena, int64_t, n); /* per user: list head */
    int64_t *next_freed = PT2C_ARENA_ARRAY(pr->arena, int64_t, n);
    int64_t *tail_freed = PT2C_ARENA_ARRAY(pr->arena, int64_t, n);
    if (!last_user || !first_freed || !next_freed || !tail_freed)
        return pt2c_error_set(pr->err, PT2C_ERR_NOMEM, "show: out of memory");
    for (int64_t i = 0; i < n; i++)
        last_user[i] = first_freed[i] = next_freed[i] = tail_freed[i] = -1;
    for (int64_t u = n - 1; u >= 0; u--) {
        const fx_node *user = &fg->nodes[u];
        for (int32_t k = 0; k < user->n_inputs; k++) {
            int64_t v = user->inputs[k];
            if (last_user[v] >= 0)
                continue;
            last_user[v] = u;
            if (tail_freed[u] < 0)
                first_freed[u] = v;
            else
                next_freed[tail_freed[u]] = v;
            tail_freed[u] = v;
        }
    }

    pt2c_strbuf body, params;
    pt2c_strbuf_init(&body, out->allocator);
    pt2c_strbuf_init(&params, out->allocator);
    pt2c_strbuf_puts(&params, "self");
    pt2c_strbuf summary, prev_summary;
    pt2c_strbuf_init(&summary, out->allocator);
    pt2c_strbuf_init(&prev_summary, out->allocator);
    bool have_prev = false;

    for (int64_t i = 0; i < n; i++) {
        const fx_node *nd = &fg->nodes[i];
        if (verbose && nd->op != FX_PLACEHOLDER && nd->op != FX_OUTPUT) {
            summary.len = 0;
            pt2c_strbuf_puts(&summary, "\n# ");
            if (!nd->stack_trace || !nd->stack_trace[0] ||
                !stack_summary(&summary, nd->stack_trace))
                pt2c_strbuf_puts(&summary, "No stacktrace found for following nodes");
            pt2c_strbuf_putc(&summary, '\n');
            if (!have_prev || summary.len != prev_summary.len ||
                memcmp(summary.data, prev_summary.data, summary.len) != 0) {
                pt2c_strbuf_append(&body, summary.data, summary.len);
                prev_summary.len = 0;
                pt2c_strbuf_append(&prev_summary, summary.data, summary.len);
                have_prev = true;
            }
        }
        switch (nd->op) {
        case FX_PLACEHOLDER:
            pt2c_strbuf_puts(&params, ", ");
            pt2c_strbuf_puts(&params, nd->name);
            if (verbose)
                put_annotation(&params, nd);
            continue; /* placeholders free nothing */
        case FX_GET_ATTR:
            pt2c_strbuf_printf(&body, "%s = self.%s", nd->name, nd->target);
            break;
        case FX_CALL:
        case FX_GETITEM:
            pt2c_strbuf_puts(&body, nd->name);
            if (verbose)
                put_annotation(&body, nd);
            pt2c_strbuf_puts(&body, " = ");
            put_call_code(&body, fg, nd);
            break;
        case FX_OUTPUT:
            pt2c_strbuf_puts(&body, "return ");
            put_output_value(&body, fg->graph, MODE_CODE);
            pt2c_strbuf_putc(&body, '\n');
            continue;
        }
        /* delete_unused_values: "a = b = None" after the last use. */
        bool any = false;
        for (int64_t v = first_freed[i]; v >= 0; v = next_freed[v]) {
            pt2c_strbuf_puts(&body, any ? " = " : ";  ");
            pt2c_strbuf_puts(&body, fg->nodes[v].name);
            any = true;
        }
        if (nd->n_users == 0) {
            pt2c_strbuf_puts(&body, any ? " = " : ";  ");
            pt2c_strbuf_puts(&body, nd->name);
            any = true;
        }
        pt2c_strbuf_puts(&body, any ? " = None\n" : "\n");
    }
    if (body.len == 0)
        pt2c_strbuf_puts(&body, "pass\n");

    /* code = body.lstrip("\n"), every line indented by four spaces. */
    pt2c_strbuf_puts(out, "\n\n\ndef forward(");
    if (params.data)
        pt2c_strbuf_append(out, params.data, params.len);
    pt2c_strbuf_puts(out, "):\n");
    const char *s = body.data ? body.data : "";
    size_t len = body.len;
    while (len && *s == '\n')
        s++, len--;
    pt2c_strbuf_puts(out, "    ");
    for (size_t k = 0; k < len; k++) {
        pt2c_strbuf_putc(out, s[k]);
        if (s[k] == '\n')
            pt2c_strbuf_puts(out, "    ");
    }
    bool failed = body.failed || params.failed || summary.failed || prev_summary.failed;
    pt2c_strbuf_deinit(&body);
    pt2c_strbuf_deinit(&params);
    pt2c_strbuf_deinit(&summary);
    pt2c_strbuf_deinit(&prev_summary);
    if (failed)
        return pt2c_error_set(pr->err, PT2C_ERR_NOMEM, "show: out of memory");
    return PT2C_OK;
}

/* _addindent: every line after the first gets four more spaces. */
static void add_indent(pt2c_strbuf *out, const char *s, size_t len) {
    for (size_t k = 0; k < len; k++) {
        pt2c_strbuf_putc(out, s[k]);
        if (s[k] == '\n')
            pt2c_strbuf_puts(out, "    ");
    }
}

/* _print_readable: "class <name>(torch.nn.Module):" + the verbose code, then the nested
 * graph modules in registration order. */
static pt2c_status print_readable(printer *pr, const pt2c_graph *g, const char *module_name,
                                  int depth, pt2c_strbuf *out) {
    if (depth > 32)
        return pt2c_error_set(pr->err, PT2C_ERR_LIMIT, "show: nested graphs deeper than 32");
    fx_graph fg;
    PT2C_TRY(fx_graph_build(g, depth == 0 ? &pr->prog->ep.graph_module.signature : NULL, pr->arena,
                            &fg, pr->err));
    pt2c_strbuf code;
    pt2c_strbuf_init(&code, out->allocator);
    pt2c_status st = gen_code(pr, &fg, true, &code);
    if (st != PT2C_OK) {
        pt2c_strbuf_deinit(&code);
        return st;
    }
    const char *s = code.data ? code.data : "";
    size_t len = code.len;
    while (len && *s == '\n')
        s++, len--;
    pt2c_strbuf_printf(out, "class %s(torch.nn.Module):\n    ", module_name);
    add_indent(out, s, len);
    pt2c_strbuf_deinit(&code);

    for (int64_t i = 0; i < fg.n_nodes; i++) {
        const fx_node *nd = &fg.nodes[i];
        if (nd->op != FX_GET_ATTR || !nd->subgraph)
            continue;
        pt2c_strbuf sub;
        pt2c_strbuf_init(&sub, out->allocator);
        st = print_readable(pr, nd->subgraph, nd->target, depth + 1, &sub);
        if (st == PT2C_OK) {
            pt2c_strbuf_puts(out, "\n    ");
            add_indent(out, sub.data ? sub.data : "", sub.len);
        }
        pt2c_strbuf_deinit(&sub);
        PT2C_TRY(st);
    }
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* str(graph) (Node.format_node)                                                            */

static void put_graph_args(pt2c_strbuf *sb, const fx_graph *fg, const fx_node *n) {
    pt2c_strbuf_puts(sb, "(args = (");
    if (n->op == FX_GETITEM) {
        pt2c_strbuf_printf(sb, "%%%s, %lld", fg->nodes[n->parent].name, (long long)n->item);
    } else {
        for (int32_t i = 0; i < n->n_args; i++) {
            if (i)
                pt2c_strbuf_puts(sb, ", ");
            put_arg(sb, &n->args[i]->arg, MODE_GRAPH, 0);
        }
        if (n->n_args == 1)
            pt2c_strbuf_putc(sb, ',');
    }
    pt2c_strbuf_puts(sb, "), kwargs = {");
    for (int32_t i = 0; n->op == FX_CALL && i < n->n_kwargs; i++) {
        if (i)
            pt2c_strbuf_puts(sb, ", ");
        pt2c_strbuf_printf(sb, "%s: ", n->kwargs[i]->name);
        put_arg(sb, &n->kwargs[i]->arg, MODE_GRAPH, 0);
    }
    pt2c_strbuf_puts(sb, "})");
}

static pt2c_status print_graph(printer *pr, pt2c_strbuf *out) {
    fx_graph fg;
    PT2C_TRY(fx_graph_build(&pr->prog->ep.graph_module.graph, &pr->prog->ep.graph_module.signature,
                            pr->arena, &fg, pr->err));
    pt2c_strbuf_puts(out, "graph():");
    for (int64_t i = 0; i < fg.n_nodes; i++) {
        const fx_node *n = &fg.nodes[i];
        pt2c_strbuf_puts(out, "\n    ");
        switch (n->op) {
        case FX_PLACEHOLDER:
            pt2c_strbuf_printf(out, "%%%s : [num_users=%lld] = placeholder[target=%s]", n->name,
                               (long long)n->n_users, n->target);
            break;
        case FX_GET_ATTR:
            pt2c_strbuf_printf(out, "%%%s : [num_users=%lld] = get_attr[target=%s]", n->name,
                               (long long)n->n_users, n->target);
            break;
        case FX_CALL:
        case FX_GETITEM:
            pt2c_strbuf_printf(out, "%%%s : [num_users=%lld] = call_function[target=", n->name,
                               (long long)n->n_users);
            put_graph_target(out, n->op == FX_GETITEM ? "_operator.getitem" : n->target);
            pt2c_strbuf_putc(out, ']');
            put_graph_args(out, &fg, n);
            break;
        case FX_OUTPUT:
            pt2c_strbuf_puts(out, "return ");
            /* str() of a tuple of nodes shows their names (repr), not %name. */
            put_output_value(out, fg.graph, MODE_CODE);
            break;
        }
    }
    pt2c_strbuf_putc(out, '\n');
    return PT2C_OK;
}

pt2c_status pt2c_view_fx(const pt2c_program *prog, pt2c_view view, pt2c_strbuf *sb,
                         pt2c_error *err) {
    pt2c_arena arena;
    pt2c_arena_init(&arena, prog->allocator);
    printer pr = {prog, &arena, err};
    pt2c_status st;
    if (view == PT2C_VIEW_GRAPH) {
        st = print_graph(&pr, sb);
    } else if (view == PT2C_VIEW_CODE) {
        fx_graph fg;
        st = fx_graph_build(&prog->ep.graph_module.graph, &prog->ep.graph_module.signature, &arena,
                            &fg, err);
        if (st == PT2C_OK)
            st = gen_code(&pr, &fg, false, sb);
    } else {
        st = print_readable(&pr, &prog->ep.graph_module.graph, "GraphModule", 0, sb);
        if (st == PT2C_OK)
            pt2c_strbuf_putc(sb, '\n');
    }
    pt2c_arena_deinit(&arena);
    return st;
}
