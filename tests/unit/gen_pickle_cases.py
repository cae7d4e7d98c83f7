"""Generate the byte arrays embedded in tests/unit/test_pickle.c (python3 gen_pickle_cases.py)."""
import pickle


def c(name, b):
    return "static const unsigned char %s[] = {%s};\n" % (name, ",".join(str(x) for x in b))


def main():
    value = {"a": [1, -5, 2**40, 1.5, (True, None)], "b": b"xy"}
    print(c("p2_nested", pickle.dumps(value, protocol=2)), end="")
    print(c("p5_nested", pickle.dumps({"a": value["a"], "b": {1, 2}}, protocol=5)), end="")
    print(c("memo300", pickle.dumps([[str(i)] for i in range(300)], protocol=2)), end="")
    print(c("os_system", b"cos\nsystem\n(S'ls'\ntR."), end="")
    print(c("depth_bomb", b"\x80\x02" + b"]" * 1000 + b"a" * 999 + b"."), end="")


if __name__ == "__main__":
    main()
