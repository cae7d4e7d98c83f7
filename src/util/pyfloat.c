/* pyfloat.c - format doubles exactly as Python's repr() so printed graphs match PyTorch. */
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Python's repr uses the shortest digit string that round-trips, then writes it in
 * positional notation when the decimal exponent is in [-4, 16), else in scientific
 * notation with at least two exponent digits ("1e-05", "1e+16"). */
void pt2c_format_py_float(double value, char *buf, size_t buf_size) {
    if (isnan(value)) {
        snprintf(buf, buf_size, "nan");
        return;
    }
    if (isinf(value)) {
        snprintf(buf, buf_size, value < 0 ? "-inf" : "inf");
        return;
    }
    /* Shortest digit string that reads back as value: at each precision try the correctly
     * rounded string and its neighbours one unit up and down in the last digit (the shortest
     * round-tripping string is not always the correctly rounded one); among those that
     * round-trip keep the one closest to value, as Python's repr does. */
    bool neg = signbit(value) != 0;
    double mag = fabs(value);
    char digits[24];
    size_t nd = 0;
    int exp10 = 0;
    for (int prec = 1; prec <= 17; prec++) {
        char sci[40];
        snprintf(sci, sizeof sci, "%.*e", prec - 1, mag);
        char d0[24];
        size_t n0 = 0;
        const char *p = sci;
        for (; *p && *p != 'e'; p++)
            if (*p != '.')
                d0[n0++] = *p;
        d0[n0] = 0;
        int e0 = atoi(p + 1);
        bool found = false;
        double best_err = 0;
        for (int delta = 0; delta <= 2; delta++) {
            /* delta 0: as rounded; 1: one unit down; 2: one unit up. */
            char cand[24];
            memcpy(cand, d0, n0 + 1);
            int ce = e0;
            if (delta == 1) {
                int k = (int)n0 - 1;
                while (k >= 0 && cand[k] == '0')
                    cand[k--] = '9';
                if (k < 0 || (k == 0 && cand[0] == '1' && n0 == 1))
                    continue;
                cand[k]--;
                if (cand[0] == '0')
                    continue; /* would lose a digit: a shorter precision covers it */
            } else if (delta == 2) {
                int k = (int)n0 - 1;
                while (k >= 0 && cand[k] == '9')
                    cand[k--] = '0';
                if (k < 0) {
                    memmove(cand + 1, cand, n0 + 1);
                    cand[0] = '1';
                    cand[n0] = 0;
                    ce++;
                } else {
                    cand[k]++;
                }
            }
            char text[48];
            snprintf(text, sizeof text, "%c.%se%d", cand[0], cand + 1, ce);
            double back = strtod(text, NULL);
            if (back != mag)
                continue;
            double e = 0; /* distance of the decimal value from mag, in the decimal's terms */
            snprintf(text, sizeof text, "%c.%s0000e%d", cand[0], cand + 1, ce);
            long double exact = strtold(text, NULL);
            e = (double)fabsl(exact - (long double)mag);
            if (!found || e < best_err) {
                found = true;
                best_err = e;
                memcpy(digits, cand, sizeof cand);
                nd = strlen(cand);
                exp10 = ce;
            }
        }
        if (found)
            break;
    }
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = 0;
    /* decpt: position of the decimal point relative to the digit string. */
    int decpt = exp10 + 1;
    char out[64];
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -decpt; i++)
                out[o++] = '0';
            for (size_t i = 0; i < nd; i++)
                out[o++] = digits[i];
        } else {
            for (int i = 0; i < decpt; i++)
                out[o++] = (size_t)i < nd ? digits[i] : '0';
            out[o++] = '.';
            if ((size_t)decpt < nd) {
                for (size_t i = (size_t)decpt; i < nd; i++)
                    out[o++] = digits[i];
            } else {
                out[o++] = '0';
            }
        }
        out[o] = 0;
    } else {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            for (size_t i = 1; i < nd; i++)
                out[o++] = digits[i];
        }
        out[o] = 0;
        char e[16];
        snprintf(e, sizeof e, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
        strcat(out, e);
    }
    snprintf(buf, buf_size, "%s", out);
}
