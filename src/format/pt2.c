/*
 * pt2.c - a .pt2 file -> pt2c_program: find the layout, parse the program JSON, bind weights,
 * constants and sample inputs.
 *
 * Layouts (docs: shared pt2-format.md sections 1, 3, 4, 9):
 *
 *   PT2 archive (torch >= 2.7, archive_format "pt2"), everything under one root folder:
 *     <root>/archive_format                     "pt2"
 *     <root>/archive_version                    "0"
 *     <root>/models/<m>.json                    Export IR JSON (ExportedProgram)
 *     <root>/data/weights/<m>_weights_config.json    {"config": {fqn: PayloadMeta}}
 *     <root>/data/weights/weight_<i>            raw storage bytes (or a torch.save zip)
 *     <root>/data/constants/<m>_constants_config.json
 *     <root>/data/constants/tensor_<i>, custom_obj_<i>
 *     <root>/data/sample_inputs/<m>.pt          torch.save((args, kwargs)), may be empty
 *     <root>/extra/<name>                       user text files
 *     <root>/byteorder                          "little" / "big"
 *   Early PT2 variant: data/weights/<m>.pt and data/constants/<m>.pt torch.save dicts.
 *
 *   Legacy (torch <= 2.6), no root folder:
 *     serialized_exported_program.json, serialized_state_dict.pt, serialized_constants.pt,
 *     serialized_example_inputs.pt, version, extra_files/<name>
 *
 * Raw payloads that are stored and aligned are used in place (zero-copy views of the map);
 * anything else is copied once into the program arena.
 */
#include "api/program.h"
#include "format/export_json.h"
#include "format/pickle.h"
#include "format/zip.h"

#include <stdio.h>
#include <string.h>

typedef struct loader {
    pt2c_program *prog;
    pt2c_zip zip;
    pt2c_error *err;
} loader;

/* ---------------------------------------------------------------------------------------- */
/* Entries                                                                                  */

static pt2c_status read_entry(loader *ld, const pt2c_zip_entry *e, const uint8_t **data,
                              uint64_t *size) {
    return pt2c_zip_read(&ld->zip, e, &ld->prog->arena, data, size, ld->err);
}

/* Read a small text entry into a NUL-terminated arena string (NULL if absent). */
static pt2c_status read_text(loader *ld, const char *name, const char **out) {
    *out = NULL;
    const pt2c_zip_entry *e = pt2c_zip_find(&ld->zip, name);
    if (!e)
        return PT2C_OK;
    const uint8_t *data;
    uint64_t size;
    PT2C_TRY(read_entry(ld, e, &data, &size));
    PT2C_CHECK(size < SIZE_MAX, ld->err, PT2C_ERR_LIMIT, "format: %s: too large", name);
    char *s = pt2c_arena_strndup(&ld->prog->arena, (const char *)data, (size_t)size);
    PT2C_CHECK(s, ld->err, PT2C_ERR_NOMEM, "format: %s: out of memory", name);
    PT2C_CHECK(strlen(s) == size, ld->err, PT2C_ERR_FORMAT, "format: %s: text holds a NUL byte",
               name);
    *out = s;
    return PT2C_OK;
}

static char *join(loader *ld, const char *a, const char *b) {
    return pt2c_arena_sprintf(&ld->prog->arena, "%s%s", a, b);
}

/* ---------------------------------------------------------------------------------------- */
/* Tensors                                                                                  */

/* Check that the strided view stays inside its storage; sizes must be concrete. */
static pt2c_status check_view(loader *ld, const pt2c_tensor_data *t, const char *where) {
    size_t elem = pt2c_dtype_size(t->dtype);
    PT2C_CHECK(elem > 0, ld->err, PT2C_ERR_FORMAT, "format: %s: tensor '%s' has unknown dtype %d",
               where, t->name, (int)t->dtype);
    uint64_t numel = 1;
    for (int32_t d = 0; d < t->rank; d++) {
        PT2C_CHECK(t->sizes[d] >= 0 && t->strides[d] >= 0, ld->err, PT2C_ERR_FORMAT,
                   "format: %s: tensor '%s' has a negative size or stride in dim %d", where,
                   t->name, (int)d);
        PT2C_CHECK(pt2c_mul_u64(numel, (uint64_t)t->sizes[d], &numel), ld->err, PT2C_ERR_LIMIT,
                   "format: %s: tensor '%s' element count overflows", where, t->name);
    }
    PT2C_CHECK(t->storage_offset >= 0, ld->err, PT2C_ERR_FORMAT,
               "format: %s: tensor '%s' has a negative storage offset", where, t->name);
    if (numel == 0 || t->storage_bytes == 0)
        return PT2C_OK; /* empty tensor, or an empty payload that stands for zeros */
    uint64_t last = (uint64_t)t->storage_offset;
    for (int32_t d = 0; d < t->rank; d++) {
        uint64_t reach;
        PT2C_CHECK(pt2c_mul_u64((uint64_t)(t->sizes[d] - 1), (uint64_t)t->strides[d], &reach) &&
                       pt2c_add_u64(last, reach, &last),
                   ld->err, PT2C_ERR_LIMIT, "format: %s: tensor '%s' extent overflows", where,
                   t->name);
    }
    uint64_t need;
    PT2C_CHECK(pt2c_add_u64(last, 1, &need) && pt2c_mul_u64(need, elem, &need), ld->err,
               PT2C_ERR_LIMIT, "format: %s: tensor '%s' extent overflows", where, t->name);
    PT2C_CHECK(need <= t->storage_bytes, ld->err, PT2C_ERR_FORMAT,
               "format: %s: tensor '%s' (%s) needs %llu bytes but the payload holds %llu", where,
               t->name, pt2c_dtype_abbr(t->dtype), (unsigned long long)need,
               (unsigned long long)t->storage_bytes);
    PT2C_CHECK(t->storage_bytes % elem == 0, ld->err, PT2C_ERR_FORMAT,
               "format: %s: payload of %llu bytes is not a whole number of %s elements", where,
               (unsigned long long)t->storage_bytes, pt2c_dtype_abbr(t->dtype));
    return PT2C_OK;
}

/* Make the storage usable in place: aligned to the element size and in host byte order. */
static pt2c_status settle_storage(loader *ld, pt2c_tensor_data *t, bool big_endian) {
    size_t elem = pt2c_dtype_size(t->dtype);
    if (!t->storage || t->storage_bytes == 0)
        return PT2C_OK;
    bool misaligned = elem > 1 && ((uintptr_t)t->storage % elem) != 0;
    bool swap = big_endian && elem > 1;
    if (!misaligned && !swap)
        return PT2C_OK;
    PT2C_CHECK(t->storage_bytes < SIZE_MAX, ld->err, PT2C_ERR_LIMIT, "format: '%s' too large",
               t->name);
    uint8_t *copy = pt2c_arena_alloc(&ld->prog->arena, (size_t)t->storage_bytes, 64);
    PT2C_CHECK(copy, ld->err, PT2C_ERR_NOMEM, "format: '%s': out of memory copying %llu bytes",
               t->name, (unsigned long long)t->storage_bytes);
    memcpy(copy, t->storage, (size_t)t->storage_bytes);
    if (swap) {
        /* Complex values swap each part on its own. */
        size_t unit = (t->dtype == PT2C_DTYPE_C32 || t->dtype == PT2C_DTYPE_C64 ||
                       t->dtype == PT2C_DTYPE_C128)
                          ? elem / 2
                          : elem;
        for (uint64_t i = 0; i + unit <= t->storage_bytes; i += unit)
            for (size_t a = 0, b = unit - 1; a < b; a++, b--) {
                uint8_t tmp = copy[i + a];
                copy[i + a] = copy[i + b];
                copy[i + b] = tmp;
            }
    }
    t->storage = copy;
    return PT2C_OK;
}

/* A tensor from a PayloadMeta and its raw payload bytes. */
static pt2c_status tensor_from_payload(loader *ld, const pt2c_payload_meta *pm, const char *entry,
                                       const uint8_t *bytes, uint64_t n_bytes, bool big_endian,
                                       pt2c_tensor_data *t) {
    const pt2c_tensor_meta *m = &pm->tensor_meta;
    memset(t, 0, sizeof *t);
    t->name = pm->fqn;
    t->path_name = pm->path_name;
    t->is_param = pm->is_param;
    t->use_pickle = pm->use_pickle;
    t->has_meta = true;
    t->meta = *m;
    t->dtype = m->dtype;
    t->rank = m->rank;
    t->requires_grad = m->requires_grad;
    t->sizes = PT2C_ARENA_ARRAY(&ld->prog->arena, int64_t, m->rank > 0 ? m->rank : 1);
    t->strides = PT2C_ARENA_ARRAY(&ld->prog->arena, int64_t, m->rank > 0 ? m->rank : 1);
    PT2C_CHECK(t->sizes && t->strides, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    for (int32_t d = 0; d < m->rank; d++) {
        PT2C_CHECK(!m->sizes[d].is_expr && !m->strides[d].is_expr, ld->err, PT2C_ERR_FORMAT,
                   "format: %s: tensor '%s' has a symbolic size or stride in dim %d; payload "
                   "metadata must be concrete",
                   entry, pm->fqn, (int)d);
        t->sizes[d] = m->sizes[d].i;
        t->strides[d] = m->strides[d].i;
    }
    PT2C_CHECK(!m->storage_offset.is_expr, ld->err, PT2C_ERR_FORMAT,
               "format: %s: tensor '%s' has a symbolic storage offset", entry, pm->fqn);
    t->storage_offset = m->storage_offset.i;
    t->storage = n_bytes ? bytes : NULL;
    t->storage_bytes = n_bytes;
    PT2C_TRY(check_view(ld, t, entry));
    return settle_storage(ld, t, big_endian);
}

/* ---------------------------------------------------------------------------------------- */
/* torch.save payloads (legacy files, pickled PT2 variants, sample inputs)                  */

static pt2c_status torch_load_entry(loader *ld, const char *name, pt2c_pyobj **out) {
    *out = NULL;
    const pt2c_zip_entry *e = pt2c_zip_find(&ld->zip, name);
    if (!e)
        return PT2C_OK;
    const uint8_t *data;
    uint64_t size;
    PT2C_TRY(read_entry(ld, e, &data, &size));
    return pt2c_torch_load(data, size, name, &ld->prog->arena, &ld->prog->limits, out, ld->err);
}

/* A dict of name -> tensor (state dict or constants) into an array. Non-tensor values are
 * kept as opaque objects. */
static pt2c_status tensors_from_dict(loader *ld, const pt2c_pyobj *dict, const char *where,
                                     pt2c_tensor_data **out, int64_t *n_out) {
    *out = NULL;
    *n_out = 0;
    if (!dict || dict->kind == PT2C_PY_NONE)
        return PT2C_OK;
    PT2C_CHECK(dict->kind == PT2C_PY_DICT, ld->err, PT2C_ERR_FORMAT,
               "format: %s: expected a dict of tensors", where);
    int64_t n = dict->n_items / 2;
    pt2c_tensor_data *ts = PT2C_ARENA_ARRAY(&ld->prog->arena, pt2c_tensor_data, n ? n : 1);
    PT2C_CHECK(ts, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        const pt2c_pyobj *key = dict->items[2 * i], *val = dict->items[2 * i + 1];
        PT2C_CHECK(key->kind == PT2C_PY_STR, ld->err, PT2C_ERR_FORMAT,
                   "format: %s: entry %lld: expected a string key", where, (long long)i);
        PT2C_CHECK(val->kind == PT2C_PY_TENSOR, ld->err, PT2C_ERR_UNSUPPORTED,
                   "format: %s: '%s' is not a tensor (kind %d); pt2c reads tensors only", where,
                   key->s, (int)val->kind);
        ts[k] = *val->tensor;
        ts[k].name = key->s;
        PT2C_TRY(check_view(ld, &ts[k], where));
        k++;
    }
    *out = ts;
    *n_out = k;
    return PT2C_OK;
}

/* Flatten (args, kwargs) into tensors, depth first, like pytree leaves. */
static pt2c_status flatten_inputs(loader *ld, const pt2c_pyobj *o, int depth, pt2c_tensor_data *out,
                                  int64_t cap, int64_t *n) {
    PT2C_CHECK(depth < 64, ld->err, PT2C_ERR_LIMIT, "format: sample inputs nest too deeply");
    switch (o->kind) {
    case PT2C_PY_TENSOR:
        if (*n < cap)
            out[*n] = *o->tensor;
        (*n)++;
        return PT2C_OK;
    case PT2C_PY_TUPLE:
    case PT2C_PY_LIST:
        for (int64_t i = 0; i < o->n_items; i++)
            PT2C_TRY(flatten_inputs(ld, o->items[i], depth + 1, out, cap, n));
        return PT2C_OK;
    case PT2C_PY_DICT:
        for (int64_t i = 1; i < o->n_items; i += 2)
            PT2C_TRY(flatten_inputs(ld, o->items[i], depth + 1, out, cap, n));
        return PT2C_OK;
    default:
        return PT2C_OK; /* ints, None, ...: leaves that are not tensors */
    }
}

static pt2c_status load_sample_inputs(loader *ld, const char *name) {
    pt2c_program *prog = ld->prog;
    pt2c_pyobj *root = NULL;
    PT2C_TRY(torch_load_entry(ld, name, &root));
    if (!root || root->kind == PT2C_PY_NONE)
        return PT2C_OK;
    int64_t n = 0;
    PT2C_TRY(flatten_inputs(ld, root, 0, NULL, 0, &n));
    prog->sample_inputs = PT2C_ARENA_ARRAY(&prog->arena, pt2c_tensor_data, n ? n : 1);
    PT2C_CHECK(prog->sample_inputs, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    int64_t m = 0;
    PT2C_TRY(flatten_inputs(ld, root, 0, prog->sample_inputs, n, &m));
    prog->n_sample_inputs = n;
    prog->has_sample_inputs = true;
    /* Name them after the user-input placeholders, in signature order. */
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    int64_t k = 0;
    for (int32_t i = 0; i < sig->n_input_specs && k < n; i++) {
        const pt2c_input_spec *s = &sig->input_specs[i];
        if (s->kind == PT2C_INPUT_USER_INPUT && s->arg.kind == PT2C_ARG_TENSOR)
            prog->sample_inputs[k++].name = s->arg.name;
    }
    for (; k < n; k++)
        prog->sample_inputs[k].name = pt2c_arena_sprintf(&prog->arena, "input_%lld", (long long)k);
    for (int64_t i = 0; i < n; i++) {
        PT2C_CHECK(prog->sample_inputs[i].name, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
        PT2C_TRY(check_view(ld, &prog->sample_inputs[i], name));
    }
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* PT2 payload configs                                                                      */

static pt2c_status load_payloads(loader *ld, const char *dir, const char *config_name,
                                 bool big_endian, pt2c_tensor_data **out, int64_t *n_out) {
    pt2c_program *prog = ld->prog;
    *out = NULL;
    *n_out = 0;
    const char *config_path = join(ld, dir, config_name);
    PT2C_CHECK(config_path, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    const char *text;
    PT2C_TRY(read_text(ld, config_path, &text));
    if (!text)
        return PT2C_OK; /* no config: no payloads of this kind */
    pt2c_payload_meta *metas;
    int64_t n;
    PT2C_TRY(pt2c_export_json_parse_payload_config(text, strlen(text), config_path, &prog->arena,
                                                   &prog->limits, &metas, &n, ld->err));
    pt2c_tensor_data *ts = PT2C_ARENA_ARRAY(&prog->arena, pt2c_tensor_data, n ? n : 1);
    PT2C_CHECK(ts, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        const pt2c_payload_meta *pm = &metas[i];
        const char *entry = join(ld, dir, pm->path_name);
        PT2C_CHECK(entry, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
        const pt2c_zip_entry *e = pt2c_zip_find(&ld->zip, entry);
        PT2C_CHECK(e, ld->err, PT2C_ERR_FORMAT,
                   "format: %s: '%s' names payload '%s', which the archive does not hold",
                   config_path, pm->fqn, entry);
        const uint8_t *bytes;
        uint64_t n_bytes;
        PT2C_TRY(read_entry(ld, e, &bytes, &n_bytes));
        if (pm->use_pickle || !pm->has_tensor_meta) {
            /* Custom objects and tensor subclasses: try torch.load, else keep the bytes. */
            pt2c_pyobj *obj = NULL;
            pt2c_error sub;
            pt2c_error_clear(&sub);
            if (pm->has_tensor_meta &&
                pt2c_torch_load(bytes, n_bytes, entry, &prog->arena, &prog->limits, &obj, &sub) ==
                    PT2C_OK &&
                obj && obj->kind == PT2C_PY_TENSOR) {
                ts[k] = *obj->tensor;
                ts[k].name = pm->fqn;
                ts[k].path_name = pm->path_name;
                ts[k].use_pickle = true;
                ts[k].is_param = pm->is_param;
                PT2C_TRY(check_view(ld, &ts[k], entry));
                k++;
                continue;
            }
            pt2c_opaque_object *grown =
                PT2C_ARENA_ARRAY(&prog->arena, pt2c_opaque_object, prog->n_opaque + 1);
            PT2C_CHECK(grown, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
            if (prog->n_opaque)
                memcpy(grown, prog->opaque, sizeof *grown * (size_t)prog->n_opaque);
            grown[prog->n_opaque] = (pt2c_opaque_object){
                pm->fqn, pm->path_name, bytes, n_bytes,
                pm->has_tensor_meta ? "pickled tensor subclass" : "custom object (TorchScript)"};
            prog->opaque = grown;
            prog->n_opaque++;
            continue;
        }
        PT2C_TRY(tensor_from_payload(ld, pm, entry, bytes, n_bytes, big_endian, &ts[k]));
        k++;
    }
    *out = ts;
    *n_out = k;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Binding checks: every lifted placeholder has its tensor, with the declared dtype/shape.  */

static const pt2c_tensor_data *find_tensor(const pt2c_tensor_data *ts, int64_t n,
                                           const char *name) {
    for (int64_t i = 0; i < n; i++)
        if (strcmp(ts[i].name, name) == 0)
            return &ts[i];
    return NULL;
}

static pt2c_status check_bindings(loader *ld) {
    pt2c_program *prog = ld->prog;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    PT2C_CHECK(sig->n_input_specs == g->n_inputs, ld->err, PT2C_ERR_FORMAT,
               "format: %s: the signature has %d input specs but the graph has %d inputs",
               prog->model_entry, (int)sig->n_input_specs, (int)g->n_inputs);
    PT2C_CHECK(sig->n_output_specs == g->n_outputs, ld->err, PT2C_ERR_FORMAT,
               "format: %s: the signature has %d output specs but the graph has %d outputs",
               prog->model_entry, (int)sig->n_output_specs, (int)g->n_outputs);
    for (int32_t i = 0; i < sig->n_input_specs; i++) {
        const pt2c_input_spec *s = &sig->input_specs[i];
        const pt2c_tensor_data *t = NULL;
        const char *where = NULL;
        if (s->kind == PT2C_INPUT_PARAMETER || (s->kind == PT2C_INPUT_BUFFER && s->persistent)) {
            t = find_tensor(prog->state_dict, prog->n_state_dict, s->target);
            where = "state dict";
        } else if (s->kind == PT2C_INPUT_TENSOR_CONSTANT || s->kind == PT2C_INPUT_BUFFER) {
            t = find_tensor(prog->constants, prog->n_constants, s->target);
            where = "constants";
        } else {
            continue;
        }
        PT2C_CHECK(t, ld->err, PT2C_ERR_FORMAT,
                   "format: %s '%s' (placeholder '%s') has no tensor in the %s",
                   pt2c_input_spec_key(s->kind), s->target, s->arg.name, where);
        int64_t vi;
        if (!s->arg.name || !pt2c_strmap_get(&g->tensor_index, s->arg.name, &vi))
            continue; /* no metadata to compare against */
        const pt2c_tensor_meta *m = &g->tensor_values[vi].meta;
        PT2C_CHECK(m->dtype == PT2C_DTYPE_UNKNOWN || m->dtype == t->dtype, ld->err, PT2C_ERR_FORMAT,
                   "format: %s '%s': graph says %s, the %s holds %s", pt2c_input_spec_key(s->kind),
                   s->target, pt2c_dtype_abbr(m->dtype), where, pt2c_dtype_abbr(t->dtype));
        bool same_rank = m->rank == t->rank;
        for (int32_t d = 0; same_rank && d < m->rank; d++)
            if (!m->sizes[d].is_expr && m->sizes[d].i != t->sizes[d])
                same_rank = false;
        PT2C_CHECK(same_rank, ld->err, PT2C_ERR_FORMAT,
                   "format: %s '%s': the graph's shape differs from the %s tensor's shape",
                   pt2c_input_spec_key(s->kind), s->target, where);
    }
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Program JSON                                                                             */

static pt2c_status parse_program_json(loader *ld, const char *entry_name) {
    pt2c_program *prog = ld->prog;
    const pt2c_zip_entry *e = pt2c_zip_find(&ld->zip, entry_name);
    PT2C_CHECK(e, ld->err, PT2C_ERR_FORMAT, "format: archive has no %s", entry_name);
    const uint8_t *data;
    uint64_t size;
    PT2C_TRY(read_entry(ld, e, &data, &size));
    prog->model_entry = entry_name;
    PT2C_CHECK(size < SIZE_MAX, ld->err, PT2C_ERR_LIMIT, "format: %s: too large", entry_name);
    return pt2c_export_json_parse((const char *)data, (size_t)size, entry_name, &prog->arena,
                                  &prog->limits, &prog->ep, ld->err);
}

static pt2c_status load_extra_files(loader *ld, const char *prefix) {
    pt2c_program *prog = ld->prog;
    size_t plen = strlen(prefix);
    int64_t n = 0;
    for (int64_t i = 0; i < ld->zip.n_entries; i++)
        if (strncmp(ld->zip.entries[i].name, prefix, plen) == 0 && ld->zip.entries[i].name[plen])
            n++;
    if (n == 0)
        return PT2C_OK;
    prog->extra_files = PT2C_ARENA_ARRAY(&prog->arena, pt2c_kv, n);
    PT2C_CHECK(prog->extra_files, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    for (int64_t i = 0; i < ld->zip.n_entries; i++) {
        const char *name = ld->zip.entries[i].name;
        if (strncmp(name, prefix, plen) != 0 || !name[plen])
            continue;
        const char *text;
        PT2C_TRY(read_text(ld, name, &text));
        prog->extra_files[prog->n_extra_files++] = (pt2c_kv){name + plen, text};
    }
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Layouts                                                                                  */

static pt2c_status load_legacy(loader *ld) {
    pt2c_program *prog = ld->prog;
    prog->layout = PT2C_LAYOUT_LEGACY;
    prog->archive_root = "";
    PT2C_TRY(parse_program_json(ld, "serialized_exported_program.json"));
    pt2c_pyobj *obj;
    PT2C_TRY(torch_load_entry(ld, "serialized_state_dict.pt", &obj));
    PT2C_TRY(tensors_from_dict(ld, obj, "serialized_state_dict.pt", &prog->state_dict,
                               &prog->n_state_dict));
    PT2C_TRY(torch_load_entry(ld, "serialized_constants.pt", &obj));
    PT2C_TRY(tensors_from_dict(ld, obj, "serialized_constants.pt", &prog->constants,
                               &prog->n_constants));
    PT2C_TRY(load_sample_inputs(ld, "serialized_example_inputs.pt"));
    return load_extra_files(ld, "extra_files/");
}

static pt2c_status load_pt2(loader *ld, const char *root, const char *model_name) {
    pt2c_program *prog = ld->prog;
    prog->layout = PT2C_LAYOUT_PT2;
    prog->archive_root = root;
    PT2C_TRY(read_text(ld, join(ld, root, "archive_version"), &prog->archive_version));
    PT2C_TRY(read_text(ld, join(ld, root, "byteorder"), &prog->byteorder));
    bool big_endian = prog->byteorder && strncmp(prog->byteorder, "big", 3) == 0;

    /* The model: the requested name, else "model", else the first models/<m>.json. */
    const char *models_dir = join(ld, root, "models/");
    PT2C_CHECK(models_dir, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    const char *name = model_name ? model_name : "model";
    const char *entry = pt2c_arena_sprintf(&prog->arena, "%s%s.json", models_dir, name);
    PT2C_CHECK(entry, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    if (!pt2c_zip_find(&ld->zip, entry) && !model_name) {
        size_t dlen = strlen(models_dir);
        for (int64_t i = 0; i < ld->zip.n_entries; i++) {
            const char *n = ld->zip.entries[i].name;
            size_t len = strlen(n);
            if (strncmp(n, models_dir, dlen) == 0 && len > dlen + 5 &&
                strcmp(n + len - 5, ".json") == 0 && !strchr(n + dlen, '/')) {
                entry = n;
                name = pt2c_arena_strndup(&prog->arena, n + dlen, len - dlen - 5);
                break;
            }
        }
    }
    PT2C_CHECK(name, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    PT2C_CHECK(pt2c_zip_find(&ld->zip, entry), ld->err, PT2C_ERR_FORMAT,
               "format: archive has no model JSON (expected %s)", entry);
    prog->model_name = name;
    PT2C_TRY(parse_program_json(ld, entry));

    const char *weights_dir = join(ld, root, "data/weights/");
    const char *constants_dir = join(ld, root, "data/constants/");
    PT2C_CHECK(weights_dir && constants_dir, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    const char *pickled_weights = pt2c_arena_sprintf(&prog->arena, "%s%s.pt", weights_dir, name);
    PT2C_CHECK(pickled_weights, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    if (pt2c_zip_find(&ld->zip, pickled_weights)) {
        prog->layout = PT2C_LAYOUT_PT2_PICKLED;
        pt2c_pyobj *obj;
        PT2C_TRY(torch_load_entry(ld, pickled_weights, &obj));
        PT2C_TRY(
            tensors_from_dict(ld, obj, pickled_weights, &prog->state_dict, &prog->n_state_dict));
        const char *pickled_constants =
            pt2c_arena_sprintf(&prog->arena, "%s%s.pt", constants_dir, name);
        PT2C_CHECK(pickled_constants, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
        PT2C_TRY(torch_load_entry(ld, pickled_constants, &obj));
        PT2C_TRY(
            tensors_from_dict(ld, obj, pickled_constants, &prog->constants, &prog->n_constants));
    } else {
        const char *wcfg = pt2c_arena_sprintf(&prog->arena, "%s_weights_config.json", name);
        const char *ccfg = pt2c_arena_sprintf(&prog->arena, "%s_constants_config.json", name);
        PT2C_CHECK(wcfg && ccfg, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
        PT2C_TRY(load_payloads(ld, weights_dir, wcfg, big_endian, &prog->state_dict,
                               &prog->n_state_dict));
        PT2C_TRY(load_payloads(ld, constants_dir, ccfg, big_endian, &prog->constants,
                               &prog->n_constants));
    }
    const char *samples =
        pt2c_arena_sprintf(&prog->arena, "%sdata/sample_inputs/%s.pt", root, name);
    PT2C_CHECK(samples, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    PT2C_TRY(load_sample_inputs(ld, samples));
    const char *extra = join(ld, root, "extra/");
    PT2C_CHECK(extra, ld->err, PT2C_ERR_NOMEM, "format: out of memory");
    return load_extra_files(ld, extra);
}

pt2c_status pt2c_pt2_load(pt2c_program *prog, const char *model_name, pt2c_error *err) {
    loader ld = {.prog = prog, .err = err};
    PT2C_CHECK(prog->file.size > 0, err, PT2C_ERR_FORMAT,
               "format: empty file (not a .pt2 archive)");
    PT2C_TRY(
        pt2c_zip_open(prog->file.data, prog->file.size, &prog->arena, &prog->limits, &ld.zip, err));
    PT2C_CHECK(ld.zip.n_entries > 0, err, PT2C_ERR_FORMAT, "format: the zip archive is empty");
    pt2c_status st;
    if (pt2c_zip_find(&ld.zip, "serialized_exported_program.json")) {
        st = load_legacy(&ld);
    } else {
        const char *first = ld.zip.entries[0].name;
        const char *slash = strchr(first, '/');
        PT2C_CHECK(slash, err, PT2C_ERR_FORMAT,
                   "format: not a .pt2 archive: no serialized_exported_program.json and no root "
                   "folder (first entry '%s')",
                   first);
        char *root = pt2c_arena_strndup(&prog->arena, first, (size_t)(slash - first) + 1);
        PT2C_CHECK(root, err, PT2C_ERR_NOMEM, "format: out of memory");
        const char *format;
        PT2C_TRY(read_text(&ld, join(&ld, root, "archive_format"), &format));
        PT2C_CHECK(format && strcmp(format, "pt2") == 0, err, PT2C_ERR_FORMAT,
                   "format: not a .pt2 archive: %sarchive_format is %s%s%s (expected \"pt2\")",
                   root, format ? "\"" : "", format ? format : "missing", format ? "\"" : "");
        st = load_pt2(&ld, root, model_name);
    }
    if (st == PT2C_OK)
        st = check_bindings(&ld);
    return st;
}
