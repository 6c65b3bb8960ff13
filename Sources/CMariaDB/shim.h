#ifndef CMARIADB_SHIM_H
#define CMARIADB_SHIM_H
#include <stddef.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

/* mysql_library_init is a macro; this is the function behind it. Call once before threads start. */
static inline int cmariadb_library_init(void) { return mysql_server_init(0, NULL, NULL); }

/* mysql_options takes a const void *; typed wrappers keep Swift call sites honest. */
static inline int cmariadb_option_uint(MYSQL *m, enum mysql_option o, unsigned int v) { return mysql_options(m, o, &v); }
static inline int cmariadb_option_bool(MYSQL *m, enum mysql_option o, my_bool v) { return mysql_options(m, o, &v); }
static inline int cmariadb_option_string(MYSQL *m, enum mysql_option o, const char *v) { return mysql_options(m, o, v); }
/* Makes mysql_stmt_store_result fill MYSQL_FIELD.max_length, so result buffers fit exactly. */
static inline int cmariadb_stmt_update_max_length(MYSQL_STMT *stmt) {
    my_bool on = 1;
    return mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
}
#endif
