/*
 * rnn.c - recurrent layers as single ops (the training-IR form of nn.LSTM / nn.GRU / nn.RNN;
 * after run_decompositions they are unrolled into mm / sigmoid / tanh and need nothing here).
 *
 *   lstm.input(input, hx = [h0, c0], params, has_biases, num_layers, dropout, train,
 *              bidirectional, batch_first) -> (output, h_n, c_n)
 *   gru.input(input, hx = h0, params, ...) -> (output, h_n)
 *   rnn_tanh.input / rnn_relu.input(input, hx = h0, params, ...) -> (output, h_n)
 *
 *   input [T, N, I] ([N, T, I] when batch_first); h0, c0, h_n, c_n [layers * D, N, H]
 *   (D = 2 when bidirectional); output [T, N, D * H] (or [N, T, D * H]).
 *   params, per layer and direction: w_ih [G*H, in], w_hh [G*H, H], b_ih [G*H], b_hh [G*H]
 *   (no biases when has_biases is False); in = I for layer 0, else D * H.
 *
 *   LSTM (G = 4, gates i, f, g, o): a = W_ih x + b_ih + W_hh h + b_hh
 *       c' = sig(f) c + sig(i) tanh(g),  h' = sig(o) tanh(c')
 *   GRU (G = 3, gates r, z, n): r = sig(.), z = sig(.),
 *       n = tanh(W_in x + b_in + r (W_hn h + b_hn)),  h' = (1 - z) n + z h
 *   RNN (G = 1): h' = tanh or relu(W_ih x + b_ih + W_hh h + b_hh)
 *   The reverse direction runs t = T-1 .. 0 and writes the second half of each output row.
 *
 * float32; gate pre-activations are float dot products in a fixed order (simd.h), the
 * cell updates are computed in double. Batch elements are independent through every layer
 * and direction, so the work unit is one batch element (the time recurrence cannot be
 * split). Scratch per batch element: the gate sums (2 * G * H floats), the LSTM cell state
 * and, with several layers, two [T, D * H] buffers for the intermediate layers' outputs.
 */
#include "ops/op_decls.h"
#include "ops/simd.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef enum rnn_kind { RNN_LSTM, RNN_GRU, RNN_TANH, RNN_RELU } rnn_kind;

typedef struct rnn_params {
    rnn_kind kind;
    int32_t gates;  /* G */
    int32_t h0, c0; /* input indices (c0 only for LSTM) */
    int32_t first_param, n_params;
    bool has_biases, bidirectional, batch_first;
    int64_t layers;
    /* Resolved per shape. */
    int64_t T, N, I, H, D;
} rnn_params;

static pt2c_status parse_rnn(pt2c_op_ctx *ctx, void **params, rnn_kind kind) {
    rnn_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->kind = kind;
    p->gates = kind == RNN_LSTM ? 4 : kind == RNN_GRU ? 3 : 1;
    p->c0 = -1;
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    if (kind == RNN_LSTM) {
        int32_t first, count;
        PT2C_TRY(pt2c_op_input_list(ctx, "hx", &first, &count));
        if (count != 2)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                                "argument 'hx': %d tensors, expected 2 (h0, c0)", (int)count);
        p->h0 = first;
        p->c0 = first + 1;
    } else {
        PT2C_TRY(pt2c_op_input(ctx, "hx", &p->h0));
    }
    PT2C_TRY(pt2c_op_input_list(ctx, "params", &p->first_param, &p->n_params));
    static const char *const required[6] = {"has_biases", "num_layers",    "dropout",
                                            "train",      "bidirectional", "batch_first"};
    for (int32_t i = 0; i < 6; i++)
        if (!pt2c_op_arg(ctx, required[i]))
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': missing", required[i]);
    PT2C_TRY(pt2c_op_bool(ctx, "has_biases", true, &p->has_biases));
    pt2c_iarg layers;
    PT2C_TRY(pt2c_op_int(ctx, "num_layers", 1, &layers));
    if (layers.slot >= 0 || layers.value < 1)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument 'num_layers': expected a positive int literal");
    p->layers = layers.value;
    double dropout;
    bool train;
    PT2C_TRY(pt2c_op_float(ctx, "dropout", 0.0, &dropout));
    PT2C_TRY(pt2c_op_bool(ctx, "train", false, &train));
    if (train && dropout != 0.0 && p->layers > 1)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument 'train': dropout between layers in training mode is "
                            "random; export the model after model.eval()");
    PT2C_TRY(pt2c_op_bool(ctx, "bidirectional", false, &p->bidirectional));
    PT2C_TRY(pt2c_op_bool(ctx, "batch_first", false, &p->batch_first));
    int64_t per = p->has_biases ? 4 : 2;
    int64_t dirs = p->bidirectional ? 2 : 1;
    if (p->n_params != per * dirs * p->layers)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument 'params': %d tensors, expected %lld (%lld layers x %lld "
                            "directions x %lld); projections (proj_size) are not supported",
                            (int)p->n_params, (long long)(per * dirs * p->layers),
                            (long long)p->layers, (long long)dirs, (long long)per);
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_lstm(pt2c_op_ctx *ctx, void **params) {
    return parse_rnn(ctx, params, RNN_LSTM);
}
pt2c_status pt2c_parse_gru(pt2c_op_ctx *ctx, void **params) {
    return parse_rnn(ctx, params, RNN_GRU);
}
pt2c_status pt2c_parse_rnn_tanh(pt2c_op_ctx *ctx, void **params) {
    return parse_rnn(ctx, params, RNN_TANH);
}
pt2c_status pt2c_parse_rnn_relu(pt2c_op_ctx *ctx, void **params) {
    return parse_rnn(ctx, params, RNN_RELU);
}

static pt2c_status expect_shape(pt2c_op_ctx *ctx, const char *what, const pt2c_ktensor *t,
                                int32_t rank, const int64_t *sizes) {
    bool ok = t->dtype == PT2C_DTYPE_F32 && t->rank == rank;
    for (int32_t d = 0; ok && d < rank; d++)
        ok = t->sizes[d] == sizes[d];
    if (ok)
        return PT2C_OK;
    char want[96] = "", have[96] = "";
    size_t wl = 0, hl = 0;
    for (int32_t d = 0; d < rank && wl < sizeof want - 24; d++)
        wl += (size_t)snprintf(want + wl, sizeof want - wl, "%s%lld", d ? ", " : "",
                               (long long)sizes[d]);
    for (int32_t d = 0; d < t->rank && hl < sizeof have - 24; d++)
        hl += (size_t)snprintf(have + hl, sizeof have - hl, "%s%lld", d ? ", " : "",
                               (long long)t->sizes[d]);
    return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s is %s [%s], expected float32 [%s]", what,
                        pt2c_dtype_name(t->dtype), have, want);
}

pt2c_status pt2c_shape_rnn(pt2c_op_ctx *ctx, void *params) {
    rnn_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *h0 = pt2c_op_in(ctx, p->h0);
    if (x->dtype != PT2C_DTYPE_F32 || x->rank != 3)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: input is %s with %d dims, expected float32 with 3",
                            pt2c_dtype_name(x->dtype), (int)x->rank);
    p->D = p->bidirectional ? 2 : 1;
    p->T = x->sizes[p->batch_first ? 1 : 0];
    p->N = x->sizes[p->batch_first ? 0 : 1];
    p->I = x->sizes[2];
    if (h0->rank != 3)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: hx has %d dims, expected 3",
                            (int)h0->rank);
    p->H = h0->sizes[2];
    int64_t G = p->gates, H = p->H, D = p->D;
    int64_t hs[3] = {p->layers * D, p->N, H};
    PT2C_TRY(expect_shape(ctx, "h0", h0, 3, hs));
    if (p->c0 >= 0)
        PT2C_TRY(expect_shape(ctx, "c0", pt2c_op_in(ctx, p->c0), 3, hs));
    int32_t per = p->has_biases ? 4 : 2;
    for (int64_t l = 0; l < p->layers; l++)
        for (int64_t d = 0; d < D; d++) {
            int32_t base = p->first_param + (int32_t)((l * D + d) * per);
            int64_t in = l == 0 ? p->I : D * H;
            int64_t wih[2] = {G * H, in}, whh[2] = {G * H, H}, b[1] = {G * H};
            PT2C_TRY(expect_shape(ctx, "w_ih", pt2c_op_in(ctx, base), 2, wih));
            PT2C_TRY(expect_shape(ctx, "w_hh", pt2c_op_in(ctx, base + 1), 2, whh));
            if (p->has_biases) {
                PT2C_TRY(expect_shape(ctx, "b_ih", pt2c_op_in(ctx, base + 2), 1, b));
                PT2C_TRY(expect_shape(ctx, "b_hh", pt2c_op_in(ctx, base + 3), 1, b));
            }
        }
    int64_t os[3] = {x->sizes[0], x->sizes[1], D * H};
    PT2C_TRY(pt2c_op_set_out(ctx, 0, PT2C_DTYPE_F32, 3, os));
    for (int32_t o = 1; o < pt2c_op_n_out(ctx) && o < 3; o++)
        PT2C_TRY(pt2c_op_set_out(ctx, o, PT2C_DTYPE_F32, 3, hs));
    return PT2C_OK;
}

/* Scratch per batch element, in bytes (a multiple of 8): gate sums (2 G H floats), the
 * LSTM cell state (H floats) and the intermediate layers' outputs (2 T D H floats). */
static size_t per_batch_bytes(const rnn_params *p) {
    size_t gates = (size_t)(2 * p->gates * p->H) * sizeof(float);
    size_t cell = (size_t)p->H * sizeof(float);
    size_t seq = p->layers > 1 ? (size_t)(2 * p->T * p->D * p->H) * sizeof(float) : 0;
    return (gates + cell + seq + 7) / 8 * 8;
}

size_t pt2c_scratch_rnn(pt2c_op_ctx *ctx, const void *params) {
    (void)ctx;
    const rnn_params *p = params;
    return per_batch_bytes(p); /* each thread: one batch element at a time */
}

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

/* One cell update for unit k: the new h (and the LSTM cell state c[k]). */
static float cell(const rnn_params *p, const float *gi, const float *gh, int64_t k,
                  const float *hprev, const float *cprev, float *c) {
    int64_t H = p->H;
    switch (p->kind) {
    case RNN_LSTM: {
        double ig = sigmoid((double)gi[k] + (double)gh[k]);
        double fg = sigmoid((double)gi[H + k] + (double)gh[H + k]);
        double gg = tanh((double)gi[2 * H + k] + (double)gh[2 * H + k]);
        double og = sigmoid((double)gi[3 * H + k] + (double)gh[3 * H + k]);
        float cv = (float)(fg * (double)cprev[k] + ig * gg);
        c[k] = cv; /* cprev may be c: element k was read just above */
        return (float)(og * tanh((double)cv));
    }
    case RNN_GRU: {
        double r = sigmoid((double)gi[k] + (double)gh[k]);
        double z = sigmoid((double)gi[H + k] + (double)gh[H + k]);
        double nv = tanh((double)gi[2 * H + k] + r * (double)gh[2 * H + k]);
        return (float)((1.0 - z) * nv + z * (double)hprev[k]);
    }
    case RNN_TANH:
        return (float)tanh((double)gi[k] + (double)gh[k]);
    case RNN_RELU:
    default: {
        double a = (double)gi[k] + (double)gh[k];
        return (float)(a > 0.0 ? a : 0.0);
    }
    }
}

/* acc = W v + b for W [rows, cols]: float dot products (simd.h), then the bias. */
static inline void matvec(float *acc, const float *w, const float *b, const float *v, int64_t rows,
                          int64_t cols) {
    pt2c_dot_rows(v, w, cols, rows, acc);
    if (b)
        for (int64_t r = 0; r < rows; r++)
            acc[r] += b[r];
}

/* Every layer and direction of batch element n. */
static PT2C_SIMD_CLONES void rnn_sequence(const rnn_params *p, const pt2c_kernel_args *args,
                                          int64_t n) {
    int64_t T = p->T, N = p->N, H = p->H, D = p->D, G = p->gates;
    int32_t per = p->has_biases ? 4 : 2;
    const float *x = args->in[0]->data;
    const float *h0 = args->in[p->h0]->data;
    const float *c0 = p->c0 >= 0 ? args->in[p->c0]->data : NULL;
    float *out = args->out[0]->data;
    /* An output the graph drops (h_n, c_n) has no buffer. */
    float *hn = args->n_out > 1 && args->out[1] ? args->out[1]->data : NULL;
    float *cn = args->n_out > 2 && args->out[2] ? args->out[2]->data : NULL;
    float *gi = args->scratch;
    float *gh = gi + G * H; /* W_ih x + b_ih, W_hh h + b_hh */
    float *c = gh + G * H;
    float *seq[2] = {c + H, c + H + T * D * H};
    for (int64_t l = 0; l < p->layers; l++) {
        bool last = l == p->layers - 1;
        /* Layer input: the op's input for layer 0, else the previous layer's output. */
        const float *lin = l == 0 ? x : seq[(l - 1) % 2];
        int64_t in = l == 0 ? p->I : D * H;
        for (int64_t d = 0; d < D; d++) {
            int32_t base = p->first_param + (int32_t)((l * D + d) * per);
            const float *wih = args->in[base]->data, *whh = args->in[base + 1]->data;
            const float *bih = p->has_biases ? args->in[base + 2]->data : NULL;
            const float *bhh = p->has_biases ? args->in[base + 3]->data : NULL;
            int64_t state = ((l * D + d) * N + n) * H;
            const float *hprev = h0 + state;
            const float *cprev = c0 ? c0 + state : NULL;
            for (int64_t step = 0; step < T; step++) {
                int64_t t = d == 0 ? step : T - 1 - step;
                int64_t row = p->batch_first ? n * T + t : t * N + n;
                const float *xt = l == 0 ? lin + row * in : lin + t * in;
                float *ot = last ? out + row * D * H + d * H : seq[l % 2] + t * D * H + d * H;
                matvec(gi, wih, bih, xt, G * H, in);
                matvec(gh, whh, bhh, hprev, G * H, H);
                for (int64_t k = 0; k < H; k++)
                    ot[k] = cell(p, gi, gh, k, hprev, cprev, c);
                /* The next step's state is the row just written (both products above read
                 * hprev before it was overwritten). */
                hprev = ot;
                cprev = c;
            }
            if (hn)
                memcpy(hn + state, hprev, sizeof(float) * (size_t)H);
            if (cn && cprev)
                memcpy(cn + state, cprev, sizeof(float) * (size_t)H);
        }
    }
}

void pt2c_k_rnn(const pt2c_kernel_args *args, int ith, int nth) {
    const rnn_params *p = args->params;
    int64_t begin, end;
    pt2c_split_range(p->N, ith, nth, &begin, &end);
    for (int64_t n = begin; n < end; n++)
        rnn_sequence(p, args, n);
}
