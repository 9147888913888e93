/* petab_yaml — reading a PEtab problem file (see petab_yaml.h) with libyaml's document
 * loader: the whole file becomes a node tree, and we look up the few keys PEtab v1 defines. */
#include "petab_yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

static int fail(char *err, size_t errlen, const char *path, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", path, what);
    return -1;
}

/* the value node of `key` in a mapping node, or NULL */
static yaml_node_t *lookup(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* A file entry: a scalar, or a list of exactly one scalar.  Resolved against dir. */
static int file_entry(yaml_document_t *doc, yaml_node_t *map, const char *key, const char *dir,
                      char *out, const char *path, char *err, size_t errlen)
{
    yaml_node_t *v = lookup(doc, map, key);
    char what[256];
    if (v && v->type == YAML_SEQUENCE_NODE) {
        const long n = v->data.sequence.items.top - v->data.sequence.items.start;
        if (n != 1) {
            snprintf(what, sizeof what, "'%s' lists %ld files; exactly one is supported", key, n);
            return fail(err, errlen, path, what);
        }
        v = yaml_document_get_node(doc, *v->data.sequence.items.start);
    }
    if (!v || v->type != YAML_SCALAR_NODE || !v->data.scalar.length) {
        snprintf(what, sizeof what, "'%s' is missing or not a file name", key);
        return fail(err, errlen, path, what);
    }
    const char *name = (const char *)v->data.scalar.value;
    if (name[0] == '/')
        snprintf(out, PETAB_PATH_LEN, "%s", name);
    else
        snprintf(out, PETAB_PATH_LEN, "%s/%s", dir, name);
    return 0;
}

/* a folder given: its one .yaml/.yml file */
static int find_yaml(const char *folder, char *out, char *err, size_t errlen)
{
    DIR *d = opendir(folder);
    if (!d)
        return fail(err, errlen, folder, strerror(errno));
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const size_t n = strlen(e->d_name);
        const int yaml = (n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0) ||
                         (n > 4 && strcmp(e->d_name + n - 4, ".yml") == 0);
        if (!yaml)
            continue;
        if (found++ == 0)
            snprintf(out, PETAB_PATH_LEN, "%s/%s", folder, e->d_name);
    }
    closedir(d);
    if (found != 1)
        return fail(err, errlen, folder,
                    found ? "holds more than one .yaml file: name the problem file"
                          : "holds no PEtab problem (.yaml) file");
    return 0;
}

int petab_yaml_read(const char *path, petab_files *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0)
        return fail(err, errlen, path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        if (find_yaml(path, out->yaml, err, errlen) != 0)
            return -1;
    } else {
        snprintf(out->yaml, sizeof out->yaml, "%s", path);
    }
    char dir[PETAB_PATH_LEN];
    snprintf(dir, sizeof dir, "%s", out->yaml);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");

    FILE *f = fopen(out->yaml, "rb");
    if (!f)
        return fail(err, errlen, out->yaml, strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    int status = 0;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return fail(err, errlen, out->yaml, "cannot start the YAML parser");
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        char what[256];
        snprintf(what, sizeof what, "malformed YAML at line %lu: %s",
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "parse error");
        yaml_parser_delete(&parser);
        fclose(f);
        return fail(err, errlen, out->yaml, what);
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *version = lookup(&doc, root, "format_version");
    yaml_node_t *problems = lookup(&doc, root, "problems");
    if (!root || root->type != YAML_MAPPING_NODE) {
        status = fail(err, errlen, out->yaml, "not a PEtab problem (the top level is no mapping)");
    } else if (!version || version->type != YAML_SCALAR_NODE ||
               strcmp((char *)version->data.scalar.value, "1") != 0) {
        status = fail(err, errlen, out->yaml, "format_version must be 1 (PEtab v1)");
    } else if (!problems || problems->type != YAML_SEQUENCE_NODE ||
               problems->data.sequence.items.top - problems->data.sequence.items.start != 1) {
        status = fail(err, errlen, out->yaml, "'problems' must list exactly one problem");
    } else {
        yaml_node_t *pr = yaml_document_get_node(&doc, *problems->data.sequence.items.start);
        if (file_entry(&doc, root, "parameter_file", dir, out->parameters, out->yaml, err,
                       errlen) != 0 ||
            file_entry(&doc, pr, "sbml_files", dir, out->sbml, out->yaml, err, errlen) != 0 ||
            file_entry(&doc, pr, "condition_files", dir, out->conditions, out->yaml, err,
                       errlen) != 0 ||
            file_entry(&doc, pr, "measurement_files", dir, out->measurements, out->yaml, err,
                       errlen) != 0 ||
            file_entry(&doc, pr, "observable_files", dir, out->observables, out->yaml, err,
                       errlen) != 0)
            status = -1;
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return status;
}
