/*
 * The QMP server: QEMU's JSON control protocol on a character device
 * (docs/interop/qmp-spec in QEMU). On each connection it sends the greeting,
 * insists on qmp_capabilities before anything else, then reads requests
 * {"execute"|"exec-oob": NAME, "arguments": {...}, "id": ANY}, checks them the
 * way QEMU's dispatcher does (same error texts), checks the arguments against
 * the command's schema, runs the handler and writes one JSON object per line
 * ("\r\n"), echoing the id. Events go to every negotiated client.
 * Input is split into top-level JSON values here (requests may arrive in
 * pieces or several per read) and each value is parsed by json-glib.
 * Left out: real out-of-band execution (every command runs in order on the
 * main loop; "exec-oob" is accepted once "oob" is enabled, for commands that
 * allow it, and none does), event rate limiting, QEMU's JSON interpolation.
 */
#include "qemu/osdep.h"
#include "chardev/char.h"
#include "monitor/monitor-internal.h"
#include "trace/monitor.h"

/* QEMU's streamer refuses deeper nesting and bigger values than these. */
#define QMP_MAX_NESTING     1024
#define QMP_MAX_VALUE_SIZE  (64 * 1024 * 1024)

static GHashTable *qmp_commands;    /* name -> const QmpCommand * */
static GPtrArray *qmp_command_order;
static GPtrArray *qmp_monitors;     /* Monitor *, one per -qmp / -mon */

/* ---- command table ---- */

void qmp_register_command(const QmpCommand *cmd)
{
    if (!qmp_commands) {
        qmp_commands = g_hash_table_new(g_str_hash, g_str_equal);
        qmp_command_order = g_ptr_array_new();
    }
    if (!g_hash_table_contains(qmp_commands, cmd->name)) {
        g_ptr_array_add(qmp_command_order, (gpointer)cmd);
    } else {
        for (guint i = 0; i < qmp_command_order->len; i++) {
            const QmpCommand *old = g_ptr_array_index(qmp_command_order, i);
            if (strcmp(old->name, cmd->name) == 0) {
                qmp_command_order->pdata[i] = (gpointer)cmd;
            }
        }
    }
    g_hash_table_insert(qmp_commands, (gpointer)cmd->name, (gpointer)cmd);
}

const QmpCommand *qmp_find_command(const char *name)
{
    return qmp_commands ? g_hash_table_lookup(qmp_commands, name) : NULL;
}

GPtrArray *qmp_command_list(void)
{
    if (!qmp_command_order) {
        qmp_command_order = g_ptr_array_new();
    }
    return qmp_command_order;
}

/* ---- JSON output, formatted as QEMU's qobject_to_json ---- */

static void json_append_string(GString *out, const char *s)
{
    const char *p = s;

    g_string_append_c(out, '"');
    while (*p) {
        gunichar c = g_utf8_get_char_validated(p, -1);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            /* Invalid UTF-8: one replacement character per bad byte. */
            g_string_append(out, "\\uFFFD");
            p++;
            continue;
        }
        p = g_utf8_next_char(p);
        switch (c) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '/':
            g_string_append(out, "\\/");
            break;
        case '\b':
            g_string_append(out, "\\b");
            break;
        case '\f':
            g_string_append(out, "\\f");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (c >= 0x10000) {
                /* Outside the BMP: a UTF-16 surrogate pair. */
                gunichar v = c - 0x10000;
                g_string_append_printf(out, "\\u%04X\\u%04X",
                                       0xD800 | (v >> 10), 0xDC00 | (v & 0x3FF));
            } else if (c < 0x20 || c >= 0x7F) {
                g_string_append_printf(out, "\\u%04X", c);
            } else {
                g_string_append_c(out, (char)c);
            }
        }
    }
    g_string_append_c(out, '"');
}

void qmp_json_append(GString *out, JsonNode *node)
{
    if (!node || JSON_NODE_HOLDS_NULL(node)) {
        g_string_append(out, "null");
        return;
    }
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT: {
        JsonObject *obj = json_node_get_object(node);
        GList *members = json_object_get_members(obj);
        g_string_append_c(out, '{');
        for (GList *l = members; l; l = l->next) {
            if (l != members) {
                g_string_append(out, ", ");
            }
            json_append_string(out, l->data);
            g_string_append(out, ": ");
            qmp_json_append(out, json_object_get_member(obj, l->data));
        }
        g_string_append_c(out, '}');
        g_list_free(members);
        break;
    }
    case JSON_NODE_ARRAY: {
        JsonArray *arr = json_node_get_array(node);
        guint n = json_array_get_length(arr);
        g_string_append_c(out, '[');
        for (guint i = 0; i < n; i++) {
            if (i) {
                g_string_append(out, ", ");
            }
            qmp_json_append(out, json_array_get_element(arr, i));
        }
        g_string_append_c(out, ']');
        break;
    }
    case JSON_NODE_VALUE:
        switch (json_node_get_value_type(node)) {
        case G_TYPE_BOOLEAN:
            g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
            break;
        case G_TYPE_DOUBLE: {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            g_string_append(out, g_ascii_dtostr(buf, sizeof(buf),
                                                json_node_get_double(node)));
            break;
        }
        case G_TYPE_STRING:
            json_append_string(out, json_node_get_string(node));
            break;
        default:
            g_string_append_printf(out, "%" PRId64, json_node_get_int(node));
            break;
        }
        break;
    case JSON_NODE_NULL:
        g_string_append(out, "null");
        break;
    }
}

/* ---- output ---- */

static void monitor_send(Monitor *mon, JsonNode *msg)
{
    GString *line = g_string_new(NULL);

    qmp_json_append(line, msg);
    g_string_append(line, "\r\n");
    if (mon->chr && mon->connected) {
        qemu_chr_fe_write_all(mon->chr, (const uint8_t *)line->str,
                              (int)line->len);
    }
    g_string_free(line, TRUE);
}

static void monitor_send_object(Monitor *mon, JsonObject *obj)
{
    JsonNode *node = json_node_init_object(json_node_alloc(), obj);

    monitor_send(mon, node);
    json_node_unref(node);
}

/* {"error": {"class": ..., "desc": ...}[, "id": ID]}; takes err. */
static void monitor_send_error(Monitor *mon, GError *err, JsonNode *id)
{
    JsonObject *rsp = json_object_new();
    JsonObject *e = json_object_new();
    ErrorClass cls = err->domain == LAPIS_ERROR ? (ErrorClass)err->code
                                                : ERROR_CLASS_GENERIC_ERROR;

    trace_qmp_error(mon->id, error_class_name(cls), err->message);
    json_object_set_string_member(e, "class", error_class_name(cls));
    json_object_set_string_member(e, "desc", err->message);
    json_object_set_object_member(rsp, "error", e);
    if (id) {
        json_object_set_member(rsp, "id", json_node_copy(id));
    }
    monitor_send_object(mon, rsp);
    json_object_unref(rsp);
    g_error_free(err);
}

static void monitor_send_greeting(Monitor *mon)
{
    JsonObject *greeting = json_object_new();
    JsonObject *qmp = json_object_new();
    JsonArray *caps = json_array_new();

    json_object_set_object_member(qmp, "version", qmp_version_info());
    json_array_add_string_element(caps, "oob");
    json_object_set_array_member(qmp, "capabilities", caps);
    json_object_set_object_member(greeting, "QMP", qmp);
    monitor_send_object(mon, greeting);
    json_object_unref(greeting);
}

void qmp_event_send(const char *name, JsonObject *data)
{
    JsonObject *ev = json_object_new();
    JsonObject *ts = json_object_new();
    gint64 now = g_get_real_time();

    trace_qmp_event(name);
    json_object_set_string_member(ev, "event", name);
    if (data) {
        json_object_set_object_member(ev, "data", data);
    }
    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(ev, "timestamp", ts);
    for (guint i = 0; qmp_monitors && i < qmp_monitors->len; i++) {
        Monitor *mon = g_ptr_array_index(qmp_monitors, i);
        if (mon->connected && mon->negotiated) {
            monitor_send_object(mon, ev);
        }
    }
    json_object_unref(ev);
}

/* ---- argument checking against a command's schema ---- */

static const char *qmp_arg_type_name(QmpArgType type)
{
    switch (type) {
    case QMP_ARG_STR:
        return "string";
    case QMP_ARG_INT:
        return "integer";
    case QMP_ARG_BOOL:
        return "boolean";
    case QMP_ARG_NUMBER:
        return "number";
    case QMP_ARG_ANY:
    default:
        return "any";
    }
}

static bool qmp_arg_type_ok(JsonNode *node, QmpArgType type)
{
    GType vt;

    if (type == QMP_ARG_ANY) {
        return true;
    }
    if (json_node_get_node_type(node) != JSON_NODE_VALUE) {
        return false;
    }
    vt = json_node_get_value_type(node);
    switch (type) {
    case QMP_ARG_STR:
        return vt == G_TYPE_STRING;
    case QMP_ARG_INT:
        return vt == G_TYPE_INT64;
    case QMP_ARG_BOOL:
        return vt == G_TYPE_BOOLEAN;
    case QMP_ARG_NUMBER:
        return vt == G_TYPE_INT64 || vt == G_TYPE_DOUBLE;
    default:
        return false;
    }
}

/*
 * As QEMU's input visitor: members in schema order (missing, then wrong
 * type), and only then members the schema does not know.
 */
static bool qmp_check_args(const QmpCommand *cmd, JsonObject *args,
                           GError **errp)
{
    const QmpArgSpec *spec;
    GList *members;
    bool ok = true;

    for (spec = cmd->args; spec && spec->name; spec++) {
        JsonNode *node = json_object_get_member(args, spec->name);
        if (!node) {
            if (!spec->optional) {
                error_setg(errp, "Parameter '%s' is missing", spec->name);
                return false;
            }
            continue;
        }
        if (!qmp_arg_type_ok(node, spec->type)) {
            error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                       spec->name, qmp_arg_type_name(spec->type));
            return false;
        }
    }

    members = json_object_get_members(args);
    for (GList *l = members; l && ok; l = l->next) {
        bool known = false;
        for (spec = cmd->args; spec && spec->name; spec++) {
            if (strcmp(spec->name, l->data) == 0) {
                known = true;
                break;
            }
        }
        if (!known) {
            error_setg(errp, "Parameter '%s' is unexpected",
                       (const char *)l->data);
            ok = false;
        }
    }
    g_list_free(members);
    return ok;
}

/* ---- request dispatch ---- */

/*
 * QEMU's qmp_dispatch_check_obj: every member is checked in the order it
 * came; returns the command name or NULL with errp set.
 */
static const char *qmp_check_request(Monitor *mon, JsonObject *req,
                                     bool *oob, GError **errp)
{
    const char *exec_key = NULL;
    GList *members = json_object_get_members(req);
    bool ok = true;

    for (GList *l = members; l && ok; l = l->next) {
        const char *key = l->data;
        JsonNode *val = json_object_get_member(req, key);

        if (strcmp(key, "execute") == 0 ||
            (strcmp(key, "exec-oob") == 0 && mon->oob_enabled)) {
            if (!JSON_NODE_HOLDS_VALUE(val) ||
                json_node_get_value_type(val) != G_TYPE_STRING) {
                error_setg(errp, "QMP input member '%s' must be a string", key);
                ok = false;
            } else if (exec_key) {
                error_setg(errp, "QMP input member '%s' clashes with '%s'",
                           key, exec_key);
                ok = false;
            } else {
                exec_key = key;
            }
        } else if (strcmp(key, "arguments") == 0) {
            if (!JSON_NODE_HOLDS_OBJECT(val)) {
                error_setg(errp,
                           "QMP input member 'arguments' must be an object");
                ok = false;
            }
        } else if (strcmp(key, "id") != 0) {
            error_setg(errp, "QMP input member '%s' is unexpected", key);
            ok = false;
        }
    }
    g_list_free(members);
    if (!ok) {
        return NULL;
    }
    if (!exec_key) {
        error_setg(errp, "QMP input lacks member 'execute'");
        return NULL;
    }
    *oob = strcmp(exec_key, "exec-oob") == 0;
    return json_object_get_string_member(req, exec_key);
}

static void monitor_qmp_dispatch(Monitor *mon, JsonObject *req)
{
    GError *err = NULL;
    JsonNode *id = json_object_get_member(req, "id");
    JsonObject *args;
    JsonObject *empty = NULL;
    const QmpCommand *cmd;
    const char *name;
    JsonNode *ret;
    JsonObject *rsp;
    bool oob = false;

    name = qmp_check_request(mon, req, &oob, &err);
    if (!name) {
        monitor_send_error(mon, err, id);
        return;
    }
    trace_qmp_command(mon->id, name);

    cmd = qmp_find_command(name);
    if (!mon->negotiated && strcmp(name, "qmp_capabilities") != 0) {
        /* QEMU offers only qmp_capabilities until negotiation is done. */
        error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Expecting capabilities negotiation with 'qmp_capabilities'");
        monitor_send_error(mon, err, id);
        return;
    }
    if (!cmd) {
        error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "The command %s has not been found", name);
        monitor_send_error(mon, err, id);
        return;
    }
    if (oob && !cmd->allow_oob) {
        error_setg(&err, "The command %s does not support OOB", name);
        monitor_send_error(mon, err, id);
        return;
    }

    if (json_object_has_member(req, "arguments")) {
        args = json_object_get_object_member(req, "arguments");
    } else {
        args = empty = json_object_new();
    }
    if (!qmp_check_args(cmd, args, &err)) {
        monitor_send_error(mon, err, id);
        if (empty) {
            json_object_unref(empty);
        }
        return;
    }

    ret = cmd->fn(mon, args, &err);
    if (empty) {
        json_object_unref(empty);
    }
    if (err) {
        if (ret) {
            json_node_unref(ret);
        }
        monitor_send_error(mon, err, id);
        return;
    }
    if (!ret) {
        JsonObject *nothing = json_object_new();
        ret = json_node_init_object(json_node_alloc(), nothing);
        json_object_unref(nothing);
    }
    rsp = json_object_new();
    json_object_set_member(rsp, "return", ret);
    if (id) {
        json_object_set_member(rsp, "id", json_node_copy(id));
    }
    monitor_send_object(mon, rsp);
    json_object_unref(rsp);
}

/* A bare word outside strings that is not a JSON keyword, as QEMU's parser
 * reports it ("invalid keyword 'foo'"); NULL if there is none. */
static char *json_find_bad_keyword(const char *text)
{
    const char *p = text;

    while (*p) {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1]) {
                    p++;
                }
            }
            if (*p) {
                p++;
            }
        } else if (g_ascii_isalpha(*p) && (p == text || !g_ascii_isalnum(p[-1]))) {
            const char *start = p;
            char *word;
            while (g_ascii_isalnum(*p) || *p == '_') {
                p++;
            }
            word = g_strndup(start, p - start);
            if (strcmp(word, "true") && strcmp(word, "false") &&
                strcmp(word, "null") && !(start > text &&
                                          (g_ascii_isdigit(start[-1]) ||
                                           start[-1] == '.'))) {
                return word;
            }
            g_free(word);
        } else {
            p++;
        }
    }
    return NULL;
}

static void monitor_qmp_handle_value(Monitor *mon, const char *text)
{
    JsonParser *parser = json_parser_new();
    GError *perr = NULL;
    GError *err = NULL;
    char *bad;
    JsonNode *root;

    trace_qmp_input(mon->id, text);
    bad = json_find_bad_keyword(text);
    if (bad) {
        error_setg(&err, "JSON parse error, invalid keyword '%s'", bad);
        g_free(bad);
        monitor_send_error(mon, err, NULL);
        g_object_unref(parser);
        return;
    }
    if (!json_parser_load_from_data(parser, text, -1, &perr)) {
        /* json-glib says "<data>:LINE:COL: Parse error: WHAT"; keep WHAT. */
        const char *what = strstr(perr->message, "Parse error: ");
        error_setg(&err, "JSON parse error, %s",
                   what ? what + strlen("Parse error: ") : perr->message);
        g_error_free(perr);
        monitor_send_error(mon, err, NULL);
        g_object_unref(parser);
        return;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        error_setg(&err, "QMP input must be a JSON object");
        monitor_send_error(mon, err, NULL);
    } else {
        monitor_qmp_dispatch(mon, json_node_get_object(root));
    }
    g_object_unref(parser);
}

/* ---- the input splitter ---- */

static void monitor_split_reset(Monitor *mon)
{
    g_string_truncate(mon->value, 0);
    mon->split = JSON_SPLIT_IDLE;
    g_string_truncate(mon->open, 0);
    mon->escape = false;
}

/* A byte that no JSON token can hold: QEMU's "stray" token. */
static void monitor_split_stray(Monitor *mon, uint8_t c)
{
    GError *err = NULL;

    if (c >= 0x20 && c < 0x7f) {
        error_setg(&err, "JSON parse error, stray '%c'", c);
    } else {
        error_setg(&err, "JSON parse error, stray '\\x%02x'", c);
    }
    monitor_split_reset(mon);
    mon->split = c == '\n' ? JSON_SPLIT_IDLE : JSON_SPLIT_RECOVER;
    monitor_send_error(mon, err, NULL);
}

static void monitor_split_emit(Monitor *mon)
{
    char *text = g_strdup(mon->value->str);

    monitor_split_reset(mon);
    monitor_qmp_handle_value(mon, text);
    g_free(text);
}

static bool json_bare_char(uint8_t c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '+' || c == '.' || c == '_';
}

static void monitor_split_string_byte(Monitor *mon, uint8_t c)
{
    if (c < 0x20) {
        monitor_split_stray(mon, c);
        return;
    }
    if (mon->escape) {
        mon->escape = false;
        if (mon->quote == '\'' && c == '\'') {
            /* \' inside a single-quoted string is a plain quote. */
            g_string_truncate(mon->value, mon->value->len - 1);
        }
        g_string_append_c(mon->value, c);
        return;
    }
    if (c == '\\') {
        mon->escape = true;
        g_string_append_c(mon->value, c);
    } else if (c == (uint8_t)mon->quote) {
        /* QEMU also takes 'single-quoted' strings; json-glib does not. */
        g_string_append_c(mon->value, '"');
        mon->split = mon->string_return;
        if (mon->split == JSON_SPLIT_IDLE) {
            monitor_split_emit(mon);
        }
    } else if (c == '"') {
        g_string_append(mon->value, "\\\"");
    } else {
        g_string_append_c(mon->value, c);
    }
}

static void monitor_split_byte(Monitor *mon, uint8_t c)
{
    switch (mon->split) {
    case JSON_SPLIT_RECOVER:
        if (c == '\n') {
            mon->split = JSON_SPLIT_IDLE;
        }
        return;
    case JSON_SPLIT_STRING:
        monitor_split_string_byte(mon, c);
        return;
    case JSON_SPLIT_BARE:
        if (json_bare_char(c)) {
            g_string_append_c(mon->value, c);
            return;
        }
        monitor_split_emit(mon);
        /* The delimiter starts whatever comes next. */
        monitor_split_byte(mon, c);
        return;
    case JSON_SPLIT_IDLE:
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            return;
        }
        if (c == '{' || c == '[') {
            g_string_append_c(mon->value, c);
            g_string_append_c(mon->open, c);
            mon->split = JSON_SPLIT_VALUE;
        } else if (c == '"' || c == '\'') {
            g_string_append_c(mon->value, '"');
            mon->quote = c;
            mon->string_return = JSON_SPLIT_IDLE;
            mon->split = JSON_SPLIT_STRING;
        } else if (c == '}' || c == ']' || c == ':' || c == ',') {
            /* A structural byte where a value must start. */
            GError *err = NULL;
            error_setg(&err, "JSON parse error, expecting value");
            monitor_send_error(mon, err, NULL);
        } else if (json_bare_char(c)) {
            g_string_append_c(mon->value, c);
            mon->split = JSON_SPLIT_BARE;
        } else {
            monitor_split_stray(mon, c);
        }
        return;
    case JSON_SPLIT_VALUE:
        if (c == '"' || c == '\'') {
            g_string_append_c(mon->value, '"');
            mon->quote = c;
            mon->string_return = JSON_SPLIT_VALUE;
            mon->split = JSON_SPLIT_STRING;
            return;
        }
        if (c == '{' || c == '[') {
            if (mon->open->len >= QMP_MAX_NESTING) {
                GError *err = NULL;
                error_setg(&err, "JSON parse error, nesting too deep");
                monitor_split_reset(mon);
                mon->split = JSON_SPLIT_RECOVER;
                monitor_send_error(mon, err, NULL);
                return;
            }
            g_string_append_c(mon->open, c);
        } else if (c == '}' || c == ']') {
            char opener = mon->open->str[mon->open->len - 1];
            if ((c == '}') != (opener == '{')) {
                /* Closes the wrong kind: no way to tell where the value
                 * was meant to end, so drop the rest of the line. */
                GError *err = NULL;
                error_setg(&err, "JSON parse error, unexpected '%c'", c);
                monitor_split_reset(mon);
                mon->split = JSON_SPLIT_RECOVER;
                monitor_send_error(mon, err, NULL);
                return;
            }
            g_string_truncate(mon->open, mon->open->len - 1);
        } else if (!json_bare_char(c) && c != ':' && c != ',' &&
                   c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            monitor_split_stray(mon, c);
            return;
        }
        g_string_append_c(mon->value, c);
        if (mon->open->len == 0) {
            monitor_split_emit(mon);
        }
        return;
    }
}

static void monitor_qmp_read(void *opaque, const uint8_t *buf, int size)
{
    Monitor *mon = opaque;

    for (int i = 0; i < size; i++) {
        monitor_split_byte(mon, buf[i]);
        if (mon->value->len > QMP_MAX_VALUE_SIZE) {
            GError *err = NULL;
            error_setg(&err, "JSON parse error, message too big");
            monitor_split_reset(mon);
            mon->split = JSON_SPLIT_RECOVER;
            monitor_send_error(mon, err, NULL);
        }
    }
}

static int monitor_qmp_can_read(void *opaque)
{
    return 4096;
}

static void monitor_qmp_event(void *opaque, ChrEvent event)
{
    Monitor *mon = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        trace_qmp_client_opened(mon->id);
        mon->connected = true;
        mon->negotiated = false;
        mon->oob_enabled = false;
        monitor_split_reset(mon);
        monitor_send_greeting(mon);
        break;
    case CHR_EVENT_CLOSED:
        trace_qmp_client_closed(mon->id);
        mon->connected = false;
        mon->negotiated = false;
        mon->oob_enabled = false;
        monitor_split_reset(mon);
        break;
    }
}

bool monitor_init_qmp(Chardev *chr, GError **errp)
{
    Monitor *mon;

    if (!chr) {
        error_setg(errp, "QMP needs a character device");
        return false;
    }
    mon = g_new0(Monitor, 1);
    mon->chr = chr;
    mon->id = g_strdup(qemu_chr_id(chr) ? qemu_chr_id(chr) : "qmp");
    mon->value = g_string_new(NULL);
    mon->open = g_string_new(NULL);
    if (!qmp_monitors) {
        qmp_monitors = g_ptr_array_new();
    }
    g_ptr_array_add(qmp_monitors, mon);
    qemu_chr_fe_set_handlers(chr, monitor_qmp_can_read, monitor_qmp_read,
                             monitor_qmp_event, mon);
    return true;
}

void monitor_cleanup(void)
{
    for (guint i = 0; qmp_monitors && i < qmp_monitors->len; i++) {
        Monitor *mon = g_ptr_array_index(qmp_monitors, i);
        qemu_chr_fe_set_handlers(mon->chr, NULL, NULL, NULL, NULL);
        g_string_free(mon->value, TRUE);
        g_string_free(mon->open, TRUE);
        g_free(mon->id);
        g_free(mon);
    }
    if (qmp_monitors) {
        g_ptr_array_free(qmp_monitors, TRUE);
        qmp_monitors = NULL;
    }
}

int monitor_get_cpu_index(Monitor *mon)
{
    return mon ? mon->cpu_index : 0;
}

void monitor_set_cpu_index(Monitor *mon, int index)
{
    if (mon) {
        mon->cpu_index = index;
    }
}
