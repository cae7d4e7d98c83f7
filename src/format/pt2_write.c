/*
 * pt2_write.c - pt2c_program -> a .pt2 in the current PT2 archive layout, whatever layout
 * the program was read from (docs: shared pt2-format.md sections 2, 4, 9). Entries in the
 * order torch 2.13's package_pt2 writes them, under a root folder named after the output
 * file's stem ("out.pt2" -> "out/"), as PyTorch's writer names it:
 *
 *   <root>/data/weights/weight_<i>                  raw storage bytes, one per storage
 *   <root>/data/weights/<m>_weights_config.json     {"config": {fqn: PayloadMeta}}
 *   <root>/data/constants/tensor_<i>
 *   <root>/data/constants/<m>_constants_config.json
 *   <root>/models/<m>.json                          Export IR JSON, schema 8.20
 *   <root>/data/sample_inputs/<m>.pt                the source's bytes, or empty
 *   <root>/extra/<name>
 *   <root>/archive_format, archive_version, .data/version, byteorder, .data/serialization_id
 *
 * The program is written as it is in memory: a pass may have removed or added nodes and
 * appended tensors whose storage lives in the program arena. Storages are borrowed, not
 * copied, until the archive is on disk.
 */
#include "api/program.h"
#include "format/export_json.h"
#include "format/zip.h"
#include "format/zip_write.h"

#include <string.h>

typedef struct writer {
    const pt2c_program *prog;
    const char *path;
    pt2c_arena arena; /* headers, names, metas: freed when the save returns */
    pt2c_zip_writer zip;
    const char *root;     /* "out/" */
    const char *model;    /* "model" */
    pt2c_strbuf texts[4]; /* JSON documents, borrowed by the zip until the save */
    int n_texts;
    pt2c_error *err;
} writer;

static pt2c_status nomem(writer *w) {
    return pt2c_error_set(w->err, PT2C_ERR_NOMEM, "save: %s: out of memory", w->path);
}

static pt2c_status add(writer *w, const char *name, const void *data, uint64_t size) {
    const char *full = pt2c_arena_sprintf(&w->arena, "%s%s", w->root, name);
    if (!full)
        return nomem(w);
    return pt2c_zip_writer_add(&w->zip, full, data, size, w->err);
}

static pt2c_status add_text(writer *w, const char *name, const char *text) {
    return add(w, name, text, strlen(text));
}

/* ---------------------------------------------------------------------------------------- */
/* Tensors                                                                                  */

/* The strided view must stay inside its storage, or the file would not load. An empty
 * storage with elements stands for zeros, as torch writes fake-tensor weights. */
static pt2c_status check_tensor(writer *w, const pt2c_tensor_data *t, const char *set) {
    const char *name = t->name ? t->name : "?";
    size_t elem = pt2c_dtype_size(t->dtype);
    PT2C_CHECK(t->name, w->err, PT2C_ERR_ARG, "save: %s: a %s tensor has no name", w->path, set);
    PT2C_CHECK(elem > 0, w->err, PT2C_ERR_ARG, "save: %s: %s tensor '%s' has unknown dtype %d",
               w->path, set, name, (int)t->dtype);
    PT2C_CHECK(t->rank >= 0 && (t->rank == 0 || (t->sizes && t->strides)), w->err, PT2C_ERR_ARG,
               "save: %s: %s tensor '%s' has no sizes or strides", w->path, set, name);
    PT2C_CHECK(t->storage || t->storage_bytes == 0, w->err, PT2C_ERR_ARG,
               "save: %s: %s tensor '%s' claims %llu bytes but has no storage", w->path, set, name,
               (unsigned long long)t->storage_bytes);
    PT2C_CHECK(t->storage_bytes % elem == 0, w->err, PT2C_ERR_ARG,
               "save: %s: %s tensor '%s': storage of %llu bytes is not a whole number of %s "
               "elements",
               w->path, set, name, (unsigned long long)t->storage_bytes, pt2c_dtype_abbr(t->dtype));
    uint64_t last = t->storage_offset >= 0 ? (uint64_t)t->storage_offset : 0;
    bool empty = false, ok = t->storage_offset >= 0;
    for (int32_t d = 0; d < t->rank && ok; d++) {
        uint64_t reach;
        ok = t->sizes[d] >= 0 && t->strides[d] >= 0;
        if (ok && t->sizes[d] == 0)
            empty = true;
        else if (ok)
            ok = pt2c_mul_u64((uint64_t)(t->sizes[d] - 1), (uint64_t)t->strides[d], &reach) &&
                 pt2c_add_u64(last, reach, &last);
    }
    PT2C_CHECK(ok, w->err, PT2C_ERR_ARG,
               "save: %s: %s tensor '%s' has a negative or overflowing size, stride or offset",
               w->path, set, name);
    uint64_t need;
    if (!empty && t->storage_bytes > 0)
        PT2C_CHECK(pt2c_add_u64(last, 1, &need) && pt2c_mul_u64(need, elem, &need) &&
                       need <= t->storage_bytes,
                   w->err, PT2C_ERR_ARG,
                   "save: %s: %s tensor '%s' reaches beyond its %llu-byte storage", w->path, set,
                   name, (unsigned long long)t->storage_bytes);
    return PT2C_OK;
}

/* PayloadMeta.tensor_meta: the concrete view, with device and layout from the source when
 * it had them (new tensors are contiguous CPU tensors). */
static pt2c_status tensor_meta(writer *w, const pt2c_tensor_data *t, pt2c_tensor_meta *m) {
    memset(m, 0, sizeof *m);
    m->dtype = t->dtype;
    m->rank = t->rank;
    m->sizes = PT2C_ARENA_ARRAY(&w->arena, pt2c_sym, t->rank > 0 ? t->rank : 1);
    m->strides = PT2C_ARENA_ARRAY(&w->arena, pt2c_sym, t->rank > 0 ? t->rank : 1);
    if (!m->sizes || !m->strides)
        return nomem(w);
    for (int32_t d = 0; d < t->rank; d++) {
        m->sizes[d].i = t->sizes[d];
        m->strides[d].i = t->strides[d];
    }
    m->storage_offset.i = t->storage_offset;
    m->requires_grad = t->requires_grad;
    m->device = t->has_meta && t->meta.device.type ? t->meta.device
                                                   : (pt2c_device){.type = "cpu", .index = -1};
    m->layout = t->has_meta ? t->meta.layout : 7;
    return PT2C_OK;
}

/* One set (state dict or constants): a payload per storage, then its config. Tensors of one
 * storage and dtype (tied weights, views) share a payload, as torch groups them; a storage
 * seen with another dtype gets its own copy, since the loader reads a payload with the
 * dtype of its first tensor. */
static pt2c_status write_set(writer *w, const pt2c_tensor_data *ts, int64_t n, const char *dir,
                             const char *prefix, const char *config, const char *set) {
    pt2c_payload_meta *metas = PT2C_ARENA_ARRAY(&w->arena, pt2c_payload_meta, n > 0 ? n : 1);
    if (!metas)
        return nomem(w);
    int64_t n_payloads = 0;
    for (int64_t i = 0; i < n; i++) {
        const pt2c_tensor_data *t = &ts[i];
        PT2C_TRY(check_tensor(w, t, set));
        pt2c_payload_meta *pm = &metas[i];
        pm->fqn = t->name;
        pm->is_param = t->is_param;
        pm->use_pickle = false;
        pm->has_tensor_meta = true;
        PT2C_TRY(tensor_meta(w, t, &pm->tensor_meta));
        for (int64_t j = 0; j < i && t->storage && !pm->path_name; j++)
            if (ts[j].storage == t->storage && ts[j].storage_bytes == t->storage_bytes &&
                ts[j].dtype == t->dtype)
                pm->path_name = metas[j].path_name;
        if (pm->path_name)
            continue;
        pm->path_name = pt2c_arena_sprintf(&w->arena, "%s%lld", prefix, (long long)n_payloads++);
        const char *entry =
            pm->path_name ? pt2c_arena_sprintf(&w->arena, "%s%s", dir, pm->path_name) : NULL;
        if (!entry)
            return nomem(w);
        PT2C_TRY(add(w, entry, t->storage, t->storage_bytes));
    }
    pt2c_strbuf *sb = &w->texts[w->n_texts++];
    pt2c_strbuf_init(sb, w->prog->allocator);
    PT2C_TRY(pt2c_export_json_write_payload_config(metas, n, sb, w->err));
    const char *name = pt2c_arena_sprintf(&w->arena, "%s%s%s", dir, w->model, config);
    if (!name)
        return nomem(w);
    return add(w, name, sb->data, sb->len);
}

/* ---------------------------------------------------------------------------------------- */
/* Sample inputs: the source archive's bytes                                                */

/* torch.save((args, kwargs)) is the same in both layouts, so the entry is copied as is; a
 * program without sample inputs gets the empty entry torch writes for none. */
static pt2c_status write_sample_inputs(writer *w) {
    const pt2c_program *prog = w->prog;
    const uint8_t *bytes = NULL;
    uint64_t size = 0;
    const char *source = prog->layout == PT2C_LAYOUT_LEGACY
                             ? "serialized_example_inputs.pt"
                             : pt2c_arena_sprintf(&w->arena, "%sdata/sample_inputs/%s.pt",
                                                  prog->archive_root ? prog->archive_root : "",
                                                  prog->model_name ? prog->model_name : "model");
    if (!source)
        return nomem(w);
    if (prog->has_sample_inputs && prog->file.data) {
        pt2c_zip zip;
        PT2C_TRY(pt2c_zip_open(prog->file.data, prog->file.size, &w->arena, &prog->limits, &zip,
                               w->err));
        const pt2c_zip_entry *e = pt2c_zip_find(&zip, source);
        if (e)
            PT2C_TRY(pt2c_zip_read(&zip, e, &w->arena, &bytes, &size, w->err));
    }
    const char *name = pt2c_arena_sprintf(&w->arena, "data/sample_inputs/%s.pt", w->model);
    if (!name)
        return nomem(w);
    return add(w, name, bytes, size);
}

/* ---------------------------------------------------------------------------------------- */
/* The archive                                                                              */

/* PyTorch's writer names the root folder after the file: its base name without the last
 * extension. */
static const char *root_for(pt2c_arena *arena, const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot ? (size_t)(dot - base) : strlen(base);
    if (len == 0)
        return "archive/";
    return pt2c_arena_sprintf(arena, "%.*s/", (int)len, base);
}

static pt2c_status write_archive(writer *w) {
    const pt2c_program *prog = w->prog;
    /* Custom objects and tensor subclasses are kept as bytes pt2c cannot re-create
     * faithfully (their payload config was not kept); refuse rather than drop them. */
    if (prog->n_opaque > 0)
        return pt2c_error_set(w->err, PT2C_ERR_UNSUPPORTED,
                              "save: %s: cannot write '%s' (%s): pt2c keeps it as opaque bytes",
                              w->path, prog->opaque[0].name ? prog->opaque[0].name : "?",
                              prog->opaque[0].why ? prog->opaque[0].why : "opaque object");
    w->root = root_for(&w->arena, w->path);
    w->model = prog->model_name ? prog->model_name : "model";
    if (!w->root)
        return nomem(w);
    pt2c_zip_writer_init(&w->zip, &w->arena, w->path);

    PT2C_TRY(write_set(w, prog->state_dict, prog->n_state_dict, "data/weights/", "weight_",
                       "_weights_config.json", "state dict"));
    PT2C_TRY(write_set(w, prog->constants, prog->n_constants, "data/constants/", "tensor_",
                       "_constants_config.json", "constants"));

    pt2c_strbuf *json = &w->texts[w->n_texts++];
    pt2c_strbuf_init(json, prog->allocator);
    PT2C_TRY(pt2c_export_json_write(&prog->ep, json, w->err));
    const char *model_entry = pt2c_arena_sprintf(&w->arena, "models/%s.json", w->model);
    if (!model_entry)
        return nomem(w);
    PT2C_TRY(add(w, model_entry, json->data, json->len));
    PT2C_TRY(write_sample_inputs(w));

    for (int64_t i = 0; i < prog->n_extra_files; i++) {
        const pt2c_kv *kv = &prog->extra_files[i];
        const char *name = pt2c_arena_sprintf(&w->arena, "extra/%s", kv->key);
        if (!name)
            return nomem(w);
        PT2C_TRY(add_text(w, name, kv->value ? kv->value : ""));
    }

    const uint16_t one = 1;
    bool little = *(const uint8_t *)&one == 1;
    PT2C_TRY(add_text(w, "archive_format", "pt2"));
    PT2C_TRY(add_text(w, "archive_version", "0"));
    PT2C_TRY(add_text(w, ".data/version", "6\n")); /* the zip layout version torch's writer
                                                      records for a PT2 archive */
    PT2C_TRY(add_text(w, "byteorder", little ? "little" : "big"));
    char *id = pt2c_arena_alloc(&w->arena, 41, 1);
    if (!id)
        return nomem(w);
    pt2c_zip_writer_serialization_id(&w->zip, id);
    PT2C_TRY(add(w, ".data/serialization_id", id, 40));
    PT2C_TRY(pt2c_zip_writer_finish(&w->zip, w->err));
    return pt2c_zip_writer_save(&w->zip, w->path, w->err);
}

pt2c_status pt2c_pt2_save(const pt2c_program *prog, const char *path, pt2c_error *err) {
    writer w;
    memset(&w, 0, sizeof w);
    w.prog = prog;
    w.path = path;
    w.err = err;
    pt2c_arena_init(&w.arena, prog->allocator);
    pt2c_status st = write_archive(&w);
    for (int i = 0; i < w.n_texts; i++)
        pt2c_strbuf_deinit(&w.texts[i]);
    pt2c_arena_deinit(&w.arena);
    return st;
}
