/*
 * pickle.h - a safe reader for the pickle subset written by torch.save, and torch.load of a
 * whole torch.save zip (data.pkl + data/<key> storages).
 *
 * Safety: the unpickler executes nothing. GLOBAL / STACK_GLOBAL may only name the
 * allowlisted callables below; REDUCE / NEWOBJ / BUILD are interpreted for those callables
 * only. Anything else is an error naming the global ("pickle: data.pkl at byte 59: global
 * 'os.system' is not allowed"). Depth and size are bounded by pt2c_limits.
 *
 * Allowlist (what torch.save of tensors, parameters, state dicts and example inputs uses):
 *   torch._utils._rebuild_tensor_v2, torch._utils._rebuild_tensor_v3,
 *   torch._utils._rebuild_parameter, torch._utils._rebuild_parameter_with_state,
 *   collections.OrderedDict, torch.<X>Storage (typed storages), torch.UntypedStorage,
 *   torch.<dtype> (float8_e4m3fn, uint16, ... as dtype objects for _rebuild_tensor_v3),
 *   torch.Size, torch.device, _codecs.encode, builtins.set / frozenset / slice (data only).
 *   Unsupported but recognized (an error saying "unsupported"): sparse, quantized, meta and
 *   wrapper-subclass rebuilds.
 *
 * Opcodes: all of protocols 0-5 that build data (PROTO, FRAME, MARK, STOP, POP, POP_MARK,
 * DUP, the INT/LONG/FLOAT/STRING/BYTES/UNICODE families, NONE, NEWTRUE/NEWFALSE, tuples,
 * lists, dicts, sets, frozensets, APPEND(S), SETITEM(S), ADDITEMS, PUT/GET families, MEMOIZE,
 * GLOBAL, STACK_GLOBAL, REDUCE, NEWOBJ, NEWOBJ_EX, BUILD, BINPERSID, PERSID,
 * BYTEARRAY8, NEXT_BUFFER/READONLY_BUFFER rejected).
 *
 * Example:
 *     pt2c_pyobj *root;
 *     PT2C_TRY(pt2c_torch_load(bytes, n, "serialized_state_dict.pt", &arena, &limits, &root, err));
 *     // root->kind == PT2C_PY_DICT; items alternate key, value; values are PT2C_PY_TENSOR
 */
#ifndef PT2C_PICKLE_H
#define PT2C_PICKLE_H

#include "ir/ir.h"
#include "util/util.h"

typedef enum pt2c_py_kind {
    PT2C_PY_NONE,
    PT2C_PY_BOOL,   /* i: 0/1 */
    PT2C_PY_INT,    /* i (values beyond int64 are an error) */
    PT2C_PY_FLOAT,  /* f */
    PT2C_PY_STR,    /* s, len (UTF-8, NUL-terminated copy) */
    PT2C_PY_BYTES,  /* s, len (raw bytes, NUL-terminated copy) */
    PT2C_PY_TUPLE,  /* items, n_items */
    PT2C_PY_LIST,   /* items, n_items */
    PT2C_PY_DICT,   /* items: key0, value0, key1, value1, ...; n_items = 2 * entries;
                       insertion order (dict and OrderedDict alike) */
    PT2C_PY_SET,    /* items (set and frozenset) */
    PT2C_PY_TENSOR, /* tensor (Parameter too: tensor->is_param) */
    PT2C_PY_DTYPE,  /* i: pt2c_dtype (torch.float32 passed as an object) */
    PT2C_PY_DEVICE, /* s: "cpu", "cuda:0" */
    PT2C_PY_GLOBAL, /* s: "module.name" of an allowlisted callable not yet applied */
    PT2C_PY_STORAGE /* storage: the persistent-id storage reference */
} pt2c_py_kind;

typedef struct pt2c_py_storage {
    const char *key;      /* "0", "1", ...: the record data/<key> */
    pt2c_dtype dtype;     /* from the storage class; U8 for UntypedStorage */
    uint64_t numel;       /* elements (bytes for UntypedStorage) */
    const char *location; /* "cpu", "cuda:0", ... */
    const uint8_t *data;  /* resolved bytes (NULL until resolved or when empty) */
    uint64_t n_bytes;
} pt2c_py_storage;

typedef struct pt2c_pyobj pt2c_pyobj;
struct pt2c_pyobj {
    pt2c_py_kind kind;
    int64_t i;
    double f;
    const char *s;      /* STR / BYTES / DEVICE / GLOBAL */
    uint64_t len;       /* STR / BYTES length in bytes */
    pt2c_pyobj **items; /* TUPLE / LIST / DICT / SET */
    int64_t n_items;
    pt2c_tensor_data *tensor; /* TENSOR: name NULL, storage resolved by pt2c_torch_load */
    pt2c_py_storage *storage; /* STORAGE */
};

/* Unpickle data[0..size) into objects in arena. Persistent ids become STORAGE objects with
 * data NULL; the caller resolves them. where names the record in messages. */
pt2c_status pt2c_pickle_load(const uint8_t *data, uint64_t size, const char *where,
                             pt2c_arena *arena, const pt2c_limits *limits, pt2c_pyobj **out,
                             pt2c_error *err);

/* torch.load of a torch.save zip held in data[0..size): finds <root>/data.pkl, unpickles it,
 * binds every tensor to its <root>/data/<key> record (checking that the record holds the
 * storage's bytes and that sizes/strides/offset stay inside it), and copies storages whose
 * bytes are not aligned to their element size into the arena. Byte order from <root>/byteorder
 * ("little" assumed if absent; big-endian files are byte-swapped into the arena). where names
 * the file in messages. An empty buffer (size 0) yields a NONE object. */
pt2c_status pt2c_torch_load(const uint8_t *data, uint64_t size, const char *where,
                            pt2c_arena *arena, const pt2c_limits *limits, pt2c_pyobj **out,
                            pt2c_error *err);

#endif /* PT2C_PICKLE_H */
