/*
 * lazy_mariadb.h - libmariadb loaded on first use (lazy.h): only the mysql
 * driver talks to MariaDB/MySQL.
 */
#ifndef CUTOVER_LAZY_MARIADB_H
#define CUTOVER_LAZY_MARIADB_H

#include <mysql.h>

#include "lazy.h"

#define LAZY_MARIADB_LIST(F, V)	\
	F(mysql_close) F(mysql_errno) F(mysql_error)	\
	F(mysql_fetch_fields) F(mysql_fetch_lengths)	\
	F(mysql_fetch_row) F(mysql_field_count) F(mysql_free_result)	\
	F(mysql_get_server_version) F(mysql_init) F(mysql_num_fields)	\
	F(mysql_options) F(mysql_query) F(mysql_real_connect)	\
	F(mysql_real_query) F(mysql_store_result) F(mysql_use_result)
LAZY_DECLARE(mariadb, LAZY_MARIADB, LAZY_MARIADB_LIST)

#define mysql_close (lazy_mariadb()->mysql_close)
#define mysql_errno (lazy_mariadb()->mysql_errno)
#define mysql_error (lazy_mariadb()->mysql_error)
#define mysql_fetch_fields (lazy_mariadb()->mysql_fetch_fields)
#define mysql_fetch_lengths (lazy_mariadb()->mysql_fetch_lengths)
#define mysql_fetch_row (lazy_mariadb()->mysql_fetch_row)
#define mysql_field_count (lazy_mariadb()->mysql_field_count)
#define mysql_free_result (lazy_mariadb()->mysql_free_result)
#define mysql_get_server_version (lazy_mariadb()->mysql_get_server_version)
#define mysql_init (lazy_mariadb()->mysql_init)
#define mysql_num_fields (lazy_mariadb()->mysql_num_fields)
#define mysql_options (lazy_mariadb()->mysql_options)
#define mysql_query (lazy_mariadb()->mysql_query)
#define mysql_real_connect (lazy_mariadb()->mysql_real_connect)
#define mysql_real_query (lazy_mariadb()->mysql_real_query)
#define mysql_store_result (lazy_mariadb()->mysql_store_result)
#define mysql_use_result (lazy_mariadb()->mysql_use_result)
#endif
