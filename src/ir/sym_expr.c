/*
 * sym_expr.c - symbolic sizes: print them the way PyTorch does (sympy's str form) and
 * evaluate them for concrete symbol values.
 *
 * Export files store expressions as sympy srepr text ("Symbol('s77', positive=True,
 * integer=True)", "Mul(Integer(2), Symbol('s0', ...))"); FX annotations and the graph
 * print str(expr) ("s77", "2*s0"). This file parses the srepr call tree and prints the
 * common node kinds in sympy's str form. Anything it does not recognise is printed as
 * "Name(arg, ...)", which is also what sympy prints for most functions (Max, Min, Mod).
 * Text that is not srepr (schema 7 files wrote str form) is printed unchanged.
 *
 * Evaluation covers the integer forms torch's shape environment produces: Integer, Symbol,
 * Add, Mul (with Rational coefficients when the result is exact), Pow with a non-negative
 * exponent, FloorDiv/CleanDiv, Mod/PythonMod, Max, Min. Other forms are reported as
 * unsupported rather than guessed.
 */
#include "ir/ir.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Depth cap: expressions nest a few levels; a hostile file must not exhaust the stack. */
#define SYM_MAX_DEPTH 64
#define SYM_MAX_ARGS  16

typedef struct sym_node {
    const char *name; /* call name ("Add", "Symbol"), or NULL for an atom */
    size_t name_len;
    const char *atom; /* atom text: a number or a quoted string without quotes */
    size_t atom_len;
    struct sym_node *args[SYM_MAX_ARGS];
    int n_args;
} sym_node;

typedef struct sym_parser {
    const char *s;
    size_t pos;
    sym_node *pool;
    int n_pool;
    int cap_pool;
} sym_parser;

static void skip_ws(sym_parser *p) {
    while (p->s[p->pos] == ' ')
        p->pos++;
}

static sym_node *new_node(sym_parser *p) {
    if (p->n_pool >= p->cap_pool)
        return NULL;
    sym_node *n = &p->pool[p->n_pool++];
    memset(n, 0, sizeof *n);
    return n;
}

static bool is_ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* value := Name '(' [item (',' item)*] ')' | number | 'quoted'
 * item  := key '=' value (ignored: assumptions like positive=True) | value */
static sym_node *parse_value(sym_parser *p, int depth) {
    if (depth > SYM_MAX_DEPTH)
        return NULL;
    skip_ws(p);
    const char *s = p->s;
    sym_node *n = new_node(p);
    if (!n)
        return NULL;
    if (s[p->pos] == '\'' || s[p->pos] == '"') {
        char q = s[p->pos++];
        size_t start = p->pos;
        while (s[p->pos] && s[p->pos] != q)
            p->pos++;
        if (!s[p->pos])
            return NULL;
        n->atom = s + start;
        n->atom_len = p->pos - start;
        p->pos++;
        return n;
    }
    size_t start = p->pos;
    while (is_ident_char(s[p->pos]) || s[p->pos] == '-' || s[p->pos] == '.' || s[p->pos] == '+')
        p->pos++;
    if (p->pos == start)
        return NULL;
    if (s[p->pos] != '(') {
        n->atom = s + start;
        n->atom_len = p->pos - start;
        return n;
    }
    n->name = s + start;
    n->name_len = p->pos - start;
    p->pos++; /* '(' */
    skip_ws(p);
    if (s[p->pos] == ')') {
        p->pos++;
        return n;
    }
    for (;;) {
        skip_ws(p);
        /* key=value assumptions are skipped. */
        size_t save = p->pos;
        while (is_ident_char(s[p->pos]))
            p->pos++;
        bool is_key = p->pos > save && s[p->pos] == '=';
        p->pos = is_key ? p->pos + 1 : save;
        sym_node *arg = parse_value(p, depth + 1);
        if (!arg)
            return NULL;
        if (!is_key) {
            if (n->n_args >= SYM_MAX_ARGS)
                return NULL;
            n->args[n->n_args++] = arg;
        }
        skip_ws(p);
        if (s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (s[p->pos] == ')') {
            p->pos++;
            return n;
        }
        return NULL;
    }
}

static bool name_is(const sym_node *n, const char *name) {
    return n->name && strlen(name) == n->name_len && memcmp(n->name, name, n->name_len) == 0;
}

static bool is_number(const sym_node *n) {
    return name_is(n, "Integer") || name_is(n, "Rational") || name_is(n, "Float") ||
           name_is(n, "NegativeOne") || name_is(n, "One") || name_is(n, "Zero") ||
           name_is(n, "Half");
}

static bool is_negative_one(const sym_node *n) {
    if (name_is(n, "NegativeOne"))
        return true;
    return name_is(n, "Integer") && n->n_args == 1 && n->args[0]->atom &&
           n->args[0]->atom_len == 2 && memcmp(n->args[0]->atom, "-1", 2) == 0;
}

static void print_node(const sym_node *n, pt2c_strbuf *sb);

/* Compound operands of * and ** are parenthesized, as sympy does. */
static void print_operand(const sym_node *n, pt2c_strbuf *sb) {
    bool paren = name_is(n, "Add") || name_is(n, "Mul") || name_is(n, "Pow");
    if (paren)
        pt2c_strbuf_putc(sb, '(');
    print_node(n, sb);
    if (paren)
        pt2c_strbuf_putc(sb, ')');
}

static void print_add(const sym_node *n, pt2c_strbuf *sb) {
    /* sympy prints the symbolic terms first and the constant last ("s0 + 1"). */
    int order[SYM_MAX_ARGS];
    int k = 0;
    for (int i = 0; i < n->n_args; i++)
        if (!is_number(n->args[i]))
            order[k++] = i;
    for (int i = 0; i < n->n_args; i++)
        if (is_number(n->args[i]))
            order[k++] = i;
    for (int j = 0; j < k; j++) {
        pt2c_strbuf tmp;
        pt2c_strbuf_init(&tmp, sb->allocator);
        print_node(n->args[order[j]], &tmp);
        const char *t = tmp.data ? tmp.data : "";
        if (j == 0) {
            pt2c_strbuf_puts(sb, t);
        } else if (t[0] == '-') {
            pt2c_strbuf_puts(sb, " - ");
            pt2c_strbuf_puts(sb, t + 1);
        } else {
            pt2c_strbuf_puts(sb, " + ");
            pt2c_strbuf_puts(sb, t);
        }
        pt2c_strbuf_deinit(&tmp);
    }
}

static void print_mul(const sym_node *n, pt2c_strbuf *sb) {
    int first = 0;
    if (n->n_args > 1 && is_negative_one(n->args[0])) {
        pt2c_strbuf_putc(sb, '-');
        first = 1;
    }
    for (int i = first; i < n->n_args; i++) {
        if (i > first)
            pt2c_strbuf_putc(sb, '*');
        print_operand(n->args[i], sb);
    }
}

static void print_node(const sym_node *n, pt2c_strbuf *sb) {
    if (!n->name) {
        pt2c_strbuf_append(sb, n->atom, n->atom_len);
        return;
    }
    if ((name_is(n, "Symbol") || name_is(n, "Integer") || name_is(n, "Float")) && n->n_args >= 1) {
        print_node(n->args[0], sb);
        return;
    }
    if (name_is(n, "NegativeOne") || name_is(n, "One") || name_is(n, "Zero") ||
        name_is(n, "Half")) {
        pt2c_strbuf_puts(sb, name_is(n, "NegativeOne") ? "-1"
                             : name_is(n, "One")       ? "1"
                             : name_is(n, "Zero")      ? "0"
                                                       : "1/2");
        return;
    }
    if (name_is(n, "Rational") && n->n_args == 2) {
        print_node(n->args[0], sb);
        pt2c_strbuf_putc(sb, '/');
        print_node(n->args[1], sb);
        return;
    }
    if (name_is(n, "Add") && n->n_args > 0) {
        print_add(n, sb);
        return;
    }
    if (name_is(n, "Mul") && n->n_args > 0) {
        print_mul(n, sb);
        return;
    }
    if (name_is(n, "Pow") && n->n_args == 2) {
        print_operand(n->args[0], sb);
        pt2c_strbuf_puts(sb, "**");
        print_operand(n->args[1], sb);
        return;
    }
    if ((name_is(n, "FloorDiv") || name_is(n, "CleanDiv")) && n->n_args == 2) {
        pt2c_strbuf_putc(sb, '(');
        print_operand(n->args[0], sb);
        pt2c_strbuf_puts(sb, "//");
        print_operand(n->args[1], sb);
        pt2c_strbuf_putc(sb, ')');
        return;
    }
    pt2c_strbuf_append(sb, n->name, n->name_len);
    pt2c_strbuf_putc(sb, '(');
    for (int i = 0; i < n->n_args; i++) {
        if (i)
            pt2c_strbuf_puts(sb, ", ");
        print_node(n->args[i], sb);
    }
    pt2c_strbuf_putc(sb, ')');
}

void pt2c_sym_expr_print(const char *expr_str, pt2c_strbuf *sb) {
    if (!expr_str)
        return;
    enum { POOL = 128 };
    sym_node *pool = pt2c_alloc(sb->allocator, sizeof(sym_node) * POOL);
    if (pool) {
        sym_parser p = {expr_str, 0, pool, 0, POOL};
        const sym_node *root = parse_value(&p, 0);
        skip_ws(&p);
        if (root && root->name && expr_str[p.pos] == '\0') {
            print_node(root, sb);
            pt2c_dealloc(sb->allocator, pool, sizeof(sym_node) * POOL);
            return;
        }
        pt2c_dealloc(sb->allocator, pool, sizeof(sym_node) * POOL);
    }
    pt2c_strbuf_puts(sb, expr_str);
}

void pt2c_sym_print(const pt2c_sym *sym, pt2c_strbuf *sb) {
    if (sym->is_expr)
        pt2c_sym_expr_print(sym->expr.expr_str, sb);
    else
        pt2c_strbuf_printf(sb, "%lld", (long long)sym->i);
}

/* ---------------------------------------------------------------------------------------- */
/* Evaluation                                                                               */

typedef struct eval_ctx {
    pt2c_sym_lookup lookup;
    void *user;
    const char *missing; /* first unbound symbol (points into the expression text) */
    size_t missing_len;
} eval_ctx;

static bool atom_int(const sym_node *n, int64_t *out) {
    if (!n || n->name || !n->atom || n->atom_len == 0 || n->atom_len > 20)
        return false;
    char buf[24];
    memcpy(buf, n->atom, n->atom_len);
    buf[n->atom_len] = '\0';
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (*end)
        return false;
    *out = v;
    return true;
}

/* Rationals keep Mul(Rational(1, 2), s0) exact; results must come out integral. */
typedef struct ratio {
    int64_t num, den;
} ratio;

static pt2c_status eval_node(const sym_node *n, eval_ctx *c, ratio *out, int depth) {
    if (depth > SYM_MAX_DEPTH)
        return PT2C_ERR_LIMIT;
    int64_t v;
    if (!n->name)
        return atom_int(n, &v) ? (*out = (ratio){v, 1}, PT2C_OK) : PT2C_ERR_UNSUPPORTED;
    if (name_is(n, "Integer") && n->n_args == 1)
        return atom_int(n->args[0], &v) ? (*out = (ratio){v, 1}, PT2C_OK) : PT2C_ERR_UNSUPPORTED;
    if (name_is(n, "Zero") || name_is(n, "One") || name_is(n, "NegativeOne")) {
        *out = (ratio){name_is(n, "Zero") ? 0 : name_is(n, "One") ? 1 : -1, 1};
        return PT2C_OK;
    }
    if (name_is(n, "Rational") && n->n_args == 2) {
        int64_t p, q;
        if (!atom_int(n->args[0], &p) || !atom_int(n->args[1], &q) || q == 0)
            return PT2C_ERR_UNSUPPORTED;
        *out = (ratio){p, q};
        return PT2C_OK;
    }
    if (name_is(n, "Symbol") && n->n_args >= 1 && n->args[0]->atom) {
        const sym_node *a = n->args[0];
        if (!c->lookup(c->user, a->atom, a->atom_len, &v)) {
            if (!c->missing) {
                c->missing = a->atom;
                c->missing_len = a->atom_len;
            }
            return PT2C_ERR_SHAPE;
        }
        *out = (ratio){v, 1};
        return PT2C_OK;
    }
    ratio args[SYM_MAX_ARGS];
    for (int i = 0; i < n->n_args; i++)
        PT2C_TRY(eval_node(n->args[i], c, &args[i], depth + 1));
    if ((name_is(n, "Add") || name_is(n, "Mul")) && n->n_args > 0) {
        bool add = name_is(n, "Add");
        ratio r = args[0];
        for (int i = 1; i < n->n_args; i++) {
            ratio b = args[i];
            /* Sizes are small; wrap-around arithmetic keeps overflow defined. */
            if (add)
                r = (ratio){(int64_t)((uint64_t)r.num * (uint64_t)b.den +
                                      (uint64_t)b.num * (uint64_t)r.den),
                            (int64_t)((uint64_t)r.den * (uint64_t)b.den)};
            else
                r = (ratio){(int64_t)((uint64_t)r.num * (uint64_t)b.num),
                            (int64_t)((uint64_t)r.den * (uint64_t)b.den)};
            if (r.den == 0)
                return PT2C_ERR_UNSUPPORTED;
        }
        *out = r;
        return PT2C_OK;
    }
    /* The integer functions need integral operands. */
    int64_t x[SYM_MAX_ARGS];
    for (int i = 0; i < n->n_args; i++) {
        if (args[i].den == 0 || args[i].num % args[i].den != 0)
            return PT2C_ERR_UNSUPPORTED;
        x[i] = args[i].num / args[i].den;
    }
    if (name_is(n, "Pow") && n->n_args == 2 && x[1] >= 0 && x[1] < 64) {
        uint64_t r = 1;
        for (int64_t e = 0; e < x[1]; e++)
            r *= (uint64_t)x[0];
        *out = (ratio){(int64_t)r, 1};
        return PT2C_OK;
    }
    if ((name_is(n, "FloorDiv") || name_is(n, "CleanDiv")) && n->n_args == 2 && x[1] != 0 &&
        x[1] != -1) {
        *out = (ratio){pt2c_floordiv_i64(x[0], x[1]), 1};
        return PT2C_OK;
    }
    if ((name_is(n, "Mod") || name_is(n, "PythonMod")) && n->n_args == 2 && x[1] != 0 &&
        x[1] != -1) {
        *out = (ratio){pt2c_mod_i64(x[0], x[1]), 1};
        return PT2C_OK;
    }
    if ((name_is(n, "Max") || name_is(n, "Min")) && n->n_args > 0) {
        int64_t r = x[0];
        for (int i = 1; i < n->n_args; i++)
            r = name_is(n, "Max") ? (x[i] > r ? x[i] : r) : (x[i] < r ? x[i] : r);
        *out = (ratio){r, 1};
        return PT2C_OK;
    }
    return PT2C_ERR_UNSUPPORTED;
}

pt2c_status pt2c_sym_expr_eval(const char *expr_str, const pt2c_allocator *allocator,
                               pt2c_sym_lookup lookup, void *user, int64_t *out,
                               const char **missing, size_t *missing_len) {
    if (missing) {
        *missing = NULL;
        *missing_len = 0;
    }
    if (!expr_str)
        return PT2C_ERR_UNSUPPORTED;
    enum { POOL = 128 };
    sym_node *pool = pt2c_alloc(allocator, sizeof(sym_node) * POOL);
    if (!pool)
        return PT2C_ERR_NOMEM;
    sym_parser p = {expr_str, 0, pool, 0, POOL};
    const sym_node *root = parse_value(&p, 0);
    skip_ws(&p);
    pt2c_status st = PT2C_ERR_UNSUPPORTED;
    if (root && expr_str[p.pos] == '\0') {
        eval_ctx c = {lookup, user, NULL, 0};
        ratio r = {0, 1};
        st = eval_node(root, &c, &r, 0);
        if (st == PT2C_OK && (r.den == 0 || r.num % r.den != 0))
            st = PT2C_ERR_UNSUPPORTED;
        if (st == PT2C_OK)
            *out = r.num / r.den;
        if (st == PT2C_ERR_SHAPE && missing) {
            *missing = c.missing;
            *missing_len = c.missing_len;
        }
    }
    pt2c_dealloc(allocator, pool, sizeof(sym_node) * POOL);
    return st;
}

bool pt2c_sym_expr_symbol(const char *expr_str, const char **name, size_t *len) {
    static const char prefix[] = "Symbol(";
    if (!expr_str || strncmp(expr_str, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *s = expr_str + sizeof prefix - 1;
    char q = *s;
    if (q != '\'' && q != '"')
        return false;
    const char *end = strchr(s + 1, q);
    if (!end || end == s + 1)
        return false;
    /* Only a bare Symbol(...): nothing may follow its closing parenthesis. */
    const char *close = strrchr(end, ')');
    if (!close || close[1] != '\0' || strchr(end, '(') != NULL)
        return false;
    *name = s + 1;
    *len = (size_t)(end - s - 1);
    return true;
}
