/* test_sym_expr.c - symbolic sizes: sympy str printing of srepr text, and evaluation with
 * bound symbols (the checks a dynamic program's inputs go through). */
#include "harness.h"
#include "ir/ir.h"

#include <string.h>

static void printed(const char *srepr, const char *want) {
    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, pt2c_default_allocator());
    pt2c_sym_expr_print(srepr, &sb);
    EXPECT_STREQ(sb.data ? sb.data : "", want);
    pt2c_strbuf_deinit(&sb);
}

TEST(prints_like_sympy) {
    printed("Symbol('s77', positive=True, integer=True)", "s77");
    printed("Integer(-3)", "-3");
    printed("Mul(Integer(2), Symbol('s0', positive=True, integer=True))", "2*s0");
    printed("Add(Integer(1), Mul(Integer(2), Symbol('s0', integer=True)))", "2*s0 + 1");
    printed("Add(Integer(-1), Symbol('s0', integer=True))", "s0 - 1");
    printed("FloorDiv(Symbol('s0', integer=True), Integer(2))", "(s0//2)");
    printed("Max(Integer(1), Symbol('s1', integer=True))", "Max(1, s1)");
    printed("s0", "s0"); /* schema 7 wrote str form already */
}

typedef struct env {
    const char *names[4];
    int64_t values[4];
} env;

static bool lookup(void *user, const char *name, size_t len, int64_t *value) {
    env *e = user;
    for (int i = 0; i < 4 && e->names[i]; i++)
        if (strlen(e->names[i]) == len && memcmp(e->names[i], name, len) == 0) {
            *value = e->values[i];
            return true;
        }
    return false;
}

static pt2c_status eval(const char *expr, env *e, int64_t *out) {
    return pt2c_sym_expr_eval(expr, pt2c_default_allocator(), lookup, e, out, NULL, NULL);
}

TEST(evaluates_integer_forms) {
    env e = {{"s0", "s1", NULL, NULL}, {7, 3, 0, 0}};
    int64_t v = 0;
    EXPECT_EQ(eval("Add(Integer(1), Mul(Integer(2), Symbol('s0', integer=True)))", &e, &v),
              PT2C_OK);
    EXPECT_EQ(v, 15);
    EXPECT_EQ(eval("FloorDiv(Integer(-7), Integer(2))", &e, &v), PT2C_OK);
    EXPECT_EQ(v, -4); /* Python floors */
    EXPECT_EQ(eval("Mod(Integer(-7), Symbol('s1', integer=True))", &e, &v), PT2C_OK);
    EXPECT_EQ(v, 2);
    EXPECT_EQ(eval("Mul(Rational(1, 2), Integer(8))", &e, &v), PT2C_OK);
    EXPECT_EQ(v, 4);
    EXPECT_EQ(eval("Max(Symbol('s1', integer=True), Integer(5), Integer(2))", &e, &v), PT2C_OK);
    EXPECT_EQ(v, 5);
    EXPECT_EQ(eval("Pow(Symbol('s1', integer=True), Integer(3))", &e, &v), PT2C_OK);
    EXPECT_EQ(v, 27);
}

TEST(reports_unbound_and_unsupported) {
    env e = {{NULL, NULL, NULL, NULL}, {0, 0, 0, 0}};
    int64_t v = 0;
    const char *missing = NULL;
    size_t len = 0;
    const char *expr = "Mul(Integer(2), Symbol('u0', integer=True))";
    EXPECT_EQ(pt2c_sym_expr_eval(expr, pt2c_default_allocator(), lookup, &e, &v, &missing, &len),
              PT2C_ERR_SHAPE);
    EXPECT_TRUE(missing && len == 2 && memcmp(missing, "u0", 2) == 0);
    EXPECT_EQ(eval("Mul(Rational(1, 2), Integer(3))", &e, &v), PT2C_ERR_UNSUPPORTED);
    EXPECT_EQ(eval("FloorDiv(Integer(3), Integer(0))", &e, &v), PT2C_ERR_UNSUPPORTED);
    EXPECT_EQ(eval("Mul(Integer(2)", &e, &v), PT2C_ERR_UNSUPPORTED);
    /* Deep nesting is refused, not a stack overflow. */
    char deep[2000];
    size_t n = 0;
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "Max(");
    n += (size_t)snprintf(deep + n, sizeof deep - n, "1");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, ")");
    EXPECT_TRUE(eval(deep, &e, &v) != PT2C_OK);
}

TEST(finds_bare_symbols) {
    const char *name = NULL;
    size_t len = 0;
    EXPECT_TRUE(pt2c_sym_expr_symbol("Symbol('s77', positive=True, integer=True)", &name, &len));
    EXPECT_TRUE(len == 3 && memcmp(name, "s77", 3) == 0);
    EXPECT_TRUE(!pt2c_sym_expr_symbol("Mul(Integer(2), Symbol('s0'))", &name, &len));
    EXPECT_TRUE(!pt2c_sym_expr_symbol("s0", &name, &len));
}

TEST_MAIN()
