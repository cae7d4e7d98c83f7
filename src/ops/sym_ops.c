/*
 * sym_ops.c - arithmetic on symbolic sizes (SymInt / SymFloat / SymBool), as exported graphs
 * with dynamic shapes carry it: _operator.mul(sym_size_int, 4), torch.sym_max(a, b), ...
 *
 *   _operator.add/sub/mul(a, b)        ints stay ints; a float operand makes a float
 *   _operator.floordiv(a, b), mod(a, b) Python semantics: floor division, the remainder
 *                                       takes the divisor's sign
 *   _operator.truediv(a, b)            always a float
 *   _operator.pow(a, b)                int ** non-negative int is an int, else a float
 *   _operator.neg/pos(a)
 *   _operator.eq/ne/lt/le/gt/ge(a, b)  SymBool
 *   _operator.and_/or_(a, b)           SymBool logic (or bitwise on ints)
 *   _operator.lshift/rshift(a, b)      ints
 *   torch.sym_not(a), sym_ite(b, t, f), sym_max(a, b), sym_min(a, b)
 *   torch.sym_int(a) (truncates), torch.sym_float(a), torch.sym_sqrt(a)
 *   math.trunc/floor/ceil(a)            ints
 *
 * They run at shape time (PT2C_OP_SYM): the value exists before any kernel whose sizes
 * depend on it. Operands are the node's inputs in order, literals or earlier Sym values.
 */
#include "ops/op_decls.h"

#include <math.h>
#include <string.h>

enum { SYM_MAX_OPERANDS = 3 };

typedef enum sym_fn {
    SYM_ADD,
    SYM_SUB,
    SYM_MUL,
    SYM_FLOORDIV,
    SYM_MOD,
    SYM_TRUEDIV,
    SYM_POW,
    SYM_NEG,
    SYM_POS,
    SYM_EQ,
    SYM_NE,
    SYM_LT,
    SYM_LE,
    SYM_GT,
    SYM_GE,
    SYM_AND,
    SYM_OR,
    SYM_LSHIFT,
    SYM_RSHIFT,
    SYM_NOT,
    SYM_ITE,
    SYM_MAX,
    SYM_MIN,
    SYM_INT,
    SYM_FLOAT,
    SYM_SQRT,
    SYM_TRUNC,
    SYM_FLOOR,
    SYM_CEIL
} sym_fn;

typedef struct sym_params {
    sym_fn fn;
    int32_t n;
    pt2c_scalar x[SYM_MAX_OPERANDS];
} sym_params;

/* A number as Python sees it: int (bools count as ints) or float. */
typedef struct num {
    bool is_float;
    int64_t i;
    double f;
} num;

static num operand(const pt2c_op_ctx *ctx, const pt2c_scalar *s) {
    num v;
    v.is_float = pt2c_op_scalar_is_float(ctx, s);
    v.i = pt2c_op_scalar_i64(ctx, s);
    v.f = pt2c_op_scalar_f64(ctx, s);
    return v;
}

static pt2c_status parse_sym(pt2c_op_ctx *ctx, void **params, sym_fn fn, int32_t arity) {
    const pt2c_node *node = pt2c_op_node(ctx);
    if (node->n_inputs != arity)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "expected %d operand%s, found %d", (int)arity,
                            arity == 1 ? "" : "s", (int)node->n_inputs);
    sym_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->fn = fn;
    p->n = arity;
    for (int32_t k = 0; k < arity; k++)
        PT2C_TRY(pt2c_op_scalar(ctx, node->inputs[k].name, NULL, &p->x[k]));
    *params = p;
    return PT2C_OK;
}

static pt2c_status set_num(pt2c_op_ctx *ctx, num v) {
    return v.is_float ? pt2c_op_set_out_float(ctx, 0, v.f) : pt2c_op_set_out_int(ctx, 0, v.i);
}

static num make_int(int64_t i) { return (num){false, i, (double)i}; }
static num make_float(double f) { return (num){true, (int64_t)f, f}; }

static pt2c_status shape_sym(pt2c_op_ctx *ctx, void *params) {
    const sym_params *p = params;
    num a = operand(ctx, &p->x[0]);
    num b = p->n > 1 ? operand(ctx, &p->x[1]) : make_int(0);
    bool fl = a.is_float || b.is_float;
    switch (p->fn) {
    case SYM_ADD:
        return set_num(ctx, fl ? make_float(a.f + b.f)
                               : make_int((int64_t)((uint64_t)a.i + (uint64_t)b.i)));
    case SYM_SUB:
        return set_num(ctx, fl ? make_float(a.f - b.f)
                               : make_int((int64_t)((uint64_t)a.i - (uint64_t)b.i)));
    case SYM_MUL:
        return set_num(ctx, fl ? make_float(a.f * b.f)
                               : make_int((int64_t)((uint64_t)a.i * (uint64_t)b.i)));
    case SYM_FLOORDIV:
    case SYM_MOD:
        if (fl ? b.f == 0.0 : b.i == 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: symbolic %s by zero",
                                p->fn == SYM_MOD ? "modulo" : "division");
        if (fl) {
            double q = floor(a.f / b.f);
            return set_num(ctx, make_float(p->fn == SYM_FLOORDIV ? q : a.f - q * b.f));
        }
        return set_num(ctx, make_int(p->fn == SYM_FLOORDIV ? pt2c_floordiv_i64(a.i, b.i)
                                                           : pt2c_mod_i64(a.i, b.i)));
    case SYM_TRUEDIV:
        if (b.f == 0.0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: symbolic division by zero");
        return set_num(ctx, make_float(a.f / b.f));
    case SYM_POW:
        if (!fl && b.i >= 0) {
            uint64_t r = 1, base = (uint64_t)a.i;
            for (int64_t e = b.i; e > 0 && e < 64; e--)
                r *= base;
            return set_num(ctx, make_int((int64_t)r));
        }
        return set_num(ctx, make_float(pow(a.f, b.f)));
    case SYM_NEG:
        return set_num(ctx, a.is_float ? make_float(-a.f) : make_int((int64_t)(0 - (uint64_t)a.i)));
    case SYM_POS:
        return set_num(ctx, a);
    case SYM_EQ:
        return pt2c_op_set_out_int(ctx, 0, fl ? a.f == b.f : a.i == b.i);
    case SYM_NE:
        return pt2c_op_set_out_int(ctx, 0, fl ? a.f != b.f : a.i != b.i);
    case SYM_LT:
        return pt2c_op_set_out_int(ctx, 0, fl ? a.f < b.f : a.i < b.i);
    case SYM_LE:
        return pt2c_op_set_out_int(ctx, 0, fl ? a.f <= b.f : a.i <= b.i);
    case SYM_GT:
        return pt2c_op_set_out_int(ctx, 0, fl ? a.f > b.f : a.i > b.i);
    case SYM_GE:
        return pt2c_op_set_out_int(ctx, 0, fl ? a.f >= b.f : a.i >= b.i);
    case SYM_AND:
        return pt2c_op_set_out_int(ctx, 0, a.i & b.i);
    case SYM_OR:
        return pt2c_op_set_out_int(ctx, 0, a.i | b.i);
    case SYM_LSHIFT:
    case SYM_RSHIFT:
        if (b.i < 0 || b.i > 63)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: shift by %lld", (long long)b.i);
        return pt2c_op_set_out_int(
            ctx, 0, p->fn == SYM_LSHIFT ? (int64_t)((uint64_t)a.i << b.i) : a.i >> b.i);
    case SYM_NOT:
        return pt2c_op_set_out_int(ctx, 0, !a.i);
    case SYM_ITE:
        return set_num(ctx, a.i ? b : operand(ctx, &p->x[2]));
    case SYM_MAX:
        if (fl)
            return set_num(ctx, make_float(a.f > b.f ? a.f : b.f));
        return set_num(ctx, make_int(a.i > b.i ? a.i : b.i));
    case SYM_MIN:
        if (fl)
            return set_num(ctx, make_float(a.f < b.f ? a.f : b.f));
        return set_num(ctx, make_int(a.i < b.i ? a.i : b.i));
    case SYM_INT:
        return set_num(ctx, make_int(a.is_float ? (int64_t)trunc(a.f) : a.i));
    case SYM_FLOAT:
        return set_num(ctx, make_float(a.f));
    case SYM_SQRT:
        return set_num(ctx, make_float(sqrt(a.f)));
    case SYM_TRUNC:
        return set_num(ctx, make_int(a.is_float ? (int64_t)trunc(a.f) : a.i));
    case SYM_FLOOR:
        return set_num(ctx, make_int(a.is_float ? (int64_t)floor(a.f) : a.i));
    case SYM_CEIL:
        return set_num(ctx, make_int(a.is_float ? (int64_t)ceil(a.f) : a.i));
    }
    return pt2c_op_fail(ctx, PT2C_ERR_INTERNAL, "shape: unknown symbolic op");
}

pt2c_status pt2c_shape_symop(pt2c_op_ctx *ctx, void *params) { return shape_sym(ctx, params); }

#define SYM_PARSER(fname, fn, arity)                                                               \
    pt2c_status fname(pt2c_op_ctx *ctx, void **params) { return parse_sym(ctx, params, fn, arity); }

SYM_PARSER(pt2c_parse_sym_add, SYM_ADD, 2)
SYM_PARSER(pt2c_parse_sym_sub, SYM_SUB, 2)
SYM_PARSER(pt2c_parse_sym_mul, SYM_MUL, 2)
SYM_PARSER(pt2c_parse_sym_floordiv, SYM_FLOORDIV, 2)
SYM_PARSER(pt2c_parse_sym_mod, SYM_MOD, 2)
SYM_PARSER(pt2c_parse_sym_truediv, SYM_TRUEDIV, 2)
SYM_PARSER(pt2c_parse_sym_pow, SYM_POW, 2)
SYM_PARSER(pt2c_parse_sym_neg, SYM_NEG, 1)
SYM_PARSER(pt2c_parse_sym_pos, SYM_POS, 1)
SYM_PARSER(pt2c_parse_sym_eq, SYM_EQ, 2)
SYM_PARSER(pt2c_parse_sym_ne, SYM_NE, 2)
SYM_PARSER(pt2c_parse_sym_lt, SYM_LT, 2)
SYM_PARSER(pt2c_parse_sym_le, SYM_LE, 2)
SYM_PARSER(pt2c_parse_sym_gt, SYM_GT, 2)
SYM_PARSER(pt2c_parse_sym_ge, SYM_GE, 2)
SYM_PARSER(pt2c_parse_sym_and, SYM_AND, 2)
SYM_PARSER(pt2c_parse_sym_or, SYM_OR, 2)
SYM_PARSER(pt2c_parse_sym_lshift, SYM_LSHIFT, 2)
SYM_PARSER(pt2c_parse_sym_rshift, SYM_RSHIFT, 2)
SYM_PARSER(pt2c_parse_sym_not, SYM_NOT, 1)
SYM_PARSER(pt2c_parse_sym_ite, SYM_ITE, 3)
SYM_PARSER(pt2c_parse_sym_max, SYM_MAX, 2)
SYM_PARSER(pt2c_parse_sym_min, SYM_MIN, 2)
SYM_PARSER(pt2c_parse_sym_int, SYM_INT, 1)
SYM_PARSER(pt2c_parse_sym_float, SYM_FLOAT, 1)
SYM_PARSER(pt2c_parse_sym_sqrt, SYM_SQRT, 1)
SYM_PARSER(pt2c_parse_sym_trunc, SYM_TRUNC, 1)
SYM_PARSER(pt2c_parse_sym_floor, SYM_FLOOR, 1)
SYM_PARSER(pt2c_parse_sym_ceil, SYM_CEIL, 1)
