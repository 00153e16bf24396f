/* Data readers: IDX (plain and gzip) valid, truncated and corrupt files made here; NPY round
 * trip and dtypes; an MNIST-format folder; normalisation statistics. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "actlab/nn.h"
#include "harness.h"

/* Write len bytes to path, gzip-compressed if gz. */
static void write_file(const char *path, const void *buf, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, buf, (unsigned)len);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, len, f);
        fclose(f);
    }
}

/* An IDX file of u8: magic 0 0 8 ndim, big-endian dims, data i % 251. Returns its length. */
static size_t make_idx(unsigned char *buf, int ndim, const unsigned *dims)
{
    size_t n = 4, count = 1;
    buf[0] = 0, buf[1] = 0, buf[2] = 8, buf[3] = (unsigned char)ndim;
    for (int i = 0; i < ndim; i++) {
        buf[n++] = (unsigned char)(dims[i] >> 24);
        buf[n++] = (unsigned char)(dims[i] >> 16);
        buf[n++] = (unsigned char)(dims[i] >> 8);
        buf[n++] = (unsigned char)dims[i];
        count *= dims[i];
    }
    for (size_t i = 0; i < count; i++)
        buf[n++] = (unsigned char)(i % 251);
    return n;
}

static void test_idx(void)
{
    static unsigned char buf[1 << 16];
    unsigned dims[3] = {5, 7, 6};
    size_t len = make_idx(buf, 3, dims);
    for (int gz = 0; gz < 2; gz++) {
        const char *path = gz ? "nn_data_test.idx.gz" : "nn_data_test.idx";
        struct nn_idx a;
        write_file(path, buf, len, gz);
        enum nn_status st = nn_idx_read(path, &a);
        CHECK(st == NN_OK && a.type == 8 && a.ndim == 3 && a.dims[0] == 5 && a.dims[1] == 7 && a.dims[2] == 6 &&
                  a.count == 210,
              "valid idx (gz=%d): %s", gz, nn_status_str(st));
        int same = st == NN_OK;
        for (size_t i = 0; same && i < 210; i++)
            same = ((unsigned char *)a.data)[i] == i % 251;
        CHECK(same, "idx data (gz=%d)", gz);
        nn_idx_free(&a);

        write_file(path, buf, len - 10, gz);
        CHECK(nn_idx_read(path, &a) == NN_ERR_TRUNCATED, "short data is truncated (gz=%d)", gz);
        write_file(path, buf, 9, gz);
        CHECK(nn_idx_read(path, &a) == NN_ERR_TRUNCATED, "short dims is truncated (gz=%d)", gz);
        write_file(path, buf, 2, gz);
        CHECK(nn_idx_read(path, &a) == NN_ERR_TRUNCATED, "short magic is truncated (gz=%d)", gz);

        unsigned char bad[sizeof buf];
        memcpy(bad, buf, len);
        bad[0] = 1;
        write_file(path, bad, len, gz);
        CHECK(nn_idx_read(path, &a) == NN_ERR_FORMAT, "bad magic (gz=%d)", gz);
        memcpy(bad, buf, len);
        bad[2] = 0x07;
        write_file(path, bad, len, gz);
        CHECK(nn_idx_read(path, &a) == NN_ERR_FORMAT, "bad type (gz=%d)", gz);
        memcpy(bad, buf, len);
        bad[3] = 0;
        write_file(path, bad, len, gz);
        CHECK(nn_idx_read(path, &a) == NN_ERR_FORMAT, "zero dims (gz=%d)", gz);
        memcpy(bad, buf, len);
        bad[4] = 0xff; /* first dim 0xff000005: far more data than the file has */
        write_file(path, bad, len, gz);
        enum nn_status s2 = nn_idx_read(path, &a);
        CHECK(s2 == NN_ERR_FORMAT || s2 == NN_ERR_TRUNCATED, "huge dims rejected (gz=%d): %s", gz, nn_status_str(s2));
        memcpy(bad, buf, len);
        bad[len] = 42;
        write_file(path, bad, len + 1, gz);
        CHECK(nn_idx_read(path, &a) == NN_ERR_FORMAT, "trailing bytes (gz=%d)", gz);
        remove(path);
    }
    /* A gzip stream whose compressed bytes are cut short, and one with corrupt compressed bytes. */
    write_file("nn_data_test.idx.gz", buf, len, 1);
    FILE *f = fopen("nn_data_test.idx.gz", "rb");
    static unsigned char z[1 << 16];
    size_t zl = fread(z, 1, sizeof z, f);
    fclose(f);
    write_file("nn_data_cut.idx.gz", z, zl / 2, 0);
    struct nn_idx a;
    enum nn_status st = nn_idx_read("nn_data_cut.idx.gz", &a);
    CHECK(st == NN_ERR_TRUNCATED, "cut gzip stream is truncated: %s", nn_status_str(st));
    for (size_t i = 12; i < zl - 8; i++)
        z[i] ^= 0x5a;
    write_file("nn_data_cut.idx.gz", z, zl, 0);
    st = nn_idx_read("nn_data_cut.idx.gz", &a);
    CHECK(st == NN_ERR_FORMAT || st == NN_ERR_TRUNCATED, "corrupt gzip rejected: %s", nn_status_str(st));
    remove("nn_data_cut.idx.gz");
    remove("nn_data_test.idx.gz");
    CHECK(nn_idx_read("no/such/file.idx", &a) == NN_ERR_IO, "missing file is an io error");
    CHECK(nn_idx_read(NULL, &a) == NN_ERR_INVALID_ARG, "NULL path");
}

static void test_npy(void)
{
    float x[6] = {1.5f, -2, 3, 4, 5, 6e-30f};
    size_t dims[2] = {2, 3};
    struct nn_npy a;
    CHECK(nn_npy_write_f32("nn_data_test.npy", 2, dims, x) == NN_OK, "npy write");
    CHECK(nn_npy_read("nn_data_test.npy", &a) == NN_OK && a.ndim == 2 && a.dims[0] == 2 && a.dims[1] == 3 &&
              !memcmp(a.data, x, sizeof x),
          "npy round trip");
    nn_npy_free(&a);
    /* A hand-made int64 vector and a uint8 (N, 2, 2) array, as numpy writes them. */
    const char *h64 = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
    const char *hu8 = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 2), }";
    const char *hf = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }";
    const char *hbe = "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }";
    const char *heads[] = {h64, hu8, hf, hbe};
    for (int k = 0; k < 4; k++) {
        unsigned char buf[256] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
        size_t hl = strlen(heads[k]), pad = (64 - (10 + hl + 1) % 64) % 64, n = 10;
        buf[8] = (unsigned char)(hl + pad + 1);
        memcpy(buf + n, heads[k], hl);
        n += hl;
        memset(buf + n, ' ', pad);
        n += pad;
        buf[n++] = '\n';
        if (k == 0) {
            int64_t v[3] = {7, -1, 9};
            memcpy(buf + n, v, sizeof v);
            n += sizeof v;
        } else {
            for (int i = 0; i < 8; i++)
                buf[n++] = (unsigned char)(200 + i);
        }
        if (k == 3)
            n -= 4;
        write_file("nn_data_test.npy", buf, n, 0);
        enum nn_status st = nn_npy_read("nn_data_test.npy", &a);
        if (k == 0)
            CHECK(st == NN_OK && a.count == 3 && a.data[0] == 7 && a.data[1] == -1 && a.data[2] == 9, "npy int64");
        else if (k == 1)
            CHECK(st == NN_OK && a.ndim == 3 && a.count == 8 && a.data[7] == 207, "npy uint8");
        else
            CHECK(st == NN_ERR_UNSUPPORTED, "npy %s unsupported: %s", k == 2 ? "fortran order" : "big endian",
                  nn_status_str(st));
        nn_npy_free(&a);
    }
    write_file("nn_data_test.npy", "\x93NUMPX\x01\x00\x10\x00", 10, 0);
    CHECK(nn_npy_read("nn_data_test.npy", &a) == NN_ERR_FORMAT, "npy bad magic");
    CHECK(nn_npy_write_f32("nn_data_test.npy", 2, dims, x) == NN_OK, "npy rewrite");
    FILE *f = fopen("nn_data_test.npy", "r+b");
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fclose(f);
    if (truncate("nn_data_test.npy", sz - 3) == 0)
        CHECK(nn_npy_read("nn_data_test.npy", &a) == NN_ERR_TRUNCATED, "npy truncated");
    remove("nn_data_test.npy");
}

static void test_dataset(void)
{
    /* An MNIST-format folder: 6 train and 3 test images of 4x4 (gzip), labels 0..2 (plain). */
    static unsigned char buf[4096];
    unsigned di[3] = {6, 4, 4}, dl[1] = {6}, ti[3] = {3, 4, 4}, tl[1] = {3};
    if (system("mkdir -p nn_data_dir") != 0) {
        harness_skip(1, "cannot make a folder");
        return;
    }
    size_t n = make_idx(buf, 3, di);
    write_file("nn_data_dir/train-images-idx3-ubyte.gz", buf, n, 1);
    n = make_idx(buf, 1, dl);
    for (size_t i = 0; i < 6; i++)
        buf[8 + i] = (unsigned char)(i % 3);
    write_file("nn_data_dir/train-labels-idx1-ubyte", buf, n, 0);
    n = make_idx(buf, 3, ti);
    write_file("nn_data_dir/t10k-images-idx3-ubyte.gz", buf, n, 1);
    n = make_idx(buf, 1, tl);
    write_file("nn_data_dir/t10k-labels-idx1-ubyte.gz", buf, n, 1);
    struct nn_dataset tr, te;
    enum nn_status st = nn_dataset_load_mnist("nn_data_dir", &tr, &te);
    CHECK(st == NN_OK && tr.n == 6 && te.n == 3 && tr.shape.c == 1 && tr.shape.h == 4 && tr.shape.w == 4 &&
              tr.classes == 3 && tr.y[4] == 1 && tr.x[17] == 17.0f,
          "mnist folder: %s", nn_status_str(st));
    if (st == NN_OK) {
        double mean, std, ref = 0, ref2 = 0;
        for (size_t i = 0; i < 96; i++)
            ref += (double)(i % 251) / 96, ref2 += (double)(i % 251) * (i % 251) / 96;
        nn_dataset_stats(&tr, &mean, &std);
        CHECK(fabs(mean - ref) < 1e-9 && fabs(std - sqrt(ref2 - ref * ref)) < 1e-9, "train statistics");
        nn_dataset_normalise(&tr, mean, std);
        nn_dataset_stats(&tr, &mean, &std);
        CHECK(fabs(mean) < 1e-6 && fabs(std - 1) < 1e-6, "normalised: mean %g std %g", mean, std);
        nn_dataset_free(&tr);
        nn_dataset_free(&te);
    }
    /* Mismatched counts: 5 labels for 6 images. */
    n = make_idx(buf, 1, (unsigned[]){5});
    write_file("nn_data_dir/train-labels-idx1-ubyte", buf, n, 0);
    CHECK(nn_dataset_load_mnist("nn_data_dir", &tr, &te) == NN_ERR_SHAPE, "image/label count mismatch");
    CHECK(nn_dataset_load_mnist("nn_data_nowhere", &tr, &te) == NN_ERR_IO, "missing folder");
    if (system("rm -rf nn_data_dir") != 0)
        harness_skip(1, "cleanup");

    /* NPY pair with a held-out split. */
    float x[10 * 4], y[10];
    for (int i = 0; i < 40; i++)
        x[i] = (float)i;
    for (int i = 0; i < 10; i++)
        y[i] = (float)(i % 4);
    CHECK(nn_npy_write_f32("nn_data_x.npy", 2, (size_t[]){10, 4}, x) == NN_OK &&
              nn_npy_write_f32("nn_data_y.npy", 1, (size_t[]){10}, y) == NN_OK,
          "write npy pair");
    struct nn_dataset all, held;
    st = nn_dataset_load_npy("nn_data_x.npy", "nn_data_y.npy", &all);
    CHECK(st == NN_OK && all.n == 10 && all.shape.c == 4 && all.classes == 4, "npy dataset: %s", nn_status_str(st));
    CHECK(st == NN_OK && nn_dataset_split(&all, 3, &held) == NN_OK && all.n == 7 && held.n == 3 && held.x[0] == 28 &&
              held.y[2] == 1,
          "split");
    nn_dataset_free(&all);
    nn_dataset_free(&held);
    y[3] = 2.5f;
    nn_npy_write_f32("nn_data_y.npy", 1, (size_t[]){10}, y);
    CHECK(nn_dataset_load_npy("nn_data_x.npy", "nn_data_y.npy", &all) == NN_ERR_FORMAT, "fractional label rejected");
    nn_npy_write_f32("nn_data_y.npy", 1, (size_t[]){9}, y);
    CHECK(nn_dataset_load_npy("nn_data_x.npy", "nn_data_y.npy", &all) == NN_ERR_SHAPE, "count mismatch rejected");
    remove("nn_data_x.npy");
    remove("nn_data_y.npy");
}

int main(void)
{
    test_idx();
    test_npy();
    test_dataset();
    return harness_finish();
}
