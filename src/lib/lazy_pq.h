/*
 * lazy_pq.h - libpq loaded on first use (lazy.h): only the pg driver talks
 * to PostgreSQL.  PQgetvalue runs per value in diff's loops: the redirect
 * costs one load and a branch.
 */
#ifndef CUTOVER_LAZY_PQ_H
#define CUTOVER_LAZY_PQ_H

#include <libpq-fe.h>

#include "lazy.h"

#define LAZY_PQ_LIST(F, V)	\
	F(PQcancel) F(PQclear) F(PQconnectdbParams) F(PQconsumeInput)	\
	F(PQerrorMessage) F(PQexec) F(PQfinish) F(PQfreeCancel)	\
	F(PQfreemem) F(PQgetCancel) F(PQgetCopyData) F(PQgetResult)	\
	F(PQgetisnull) F(PQgetlength) F(PQgetvalue) F(PQisBusy)	\
	F(PQnfields) F(PQntuples) F(PQresultErrorField)	\
	F(PQresultErrorMessage) F(PQresultStatus) F(PQsendQuery)	\
	F(PQserverVersion) F(PQsetSingleRowMode) F(PQsocket)	\
	F(PQstatus)
LAZY_DECLARE(pq, LAZY_PQ, LAZY_PQ_LIST)

#define PQcancel (lazy_pq()->PQcancel)
#define PQclear (lazy_pq()->PQclear)
#define PQconnectdbParams (lazy_pq()->PQconnectdbParams)
#define PQconsumeInput (lazy_pq()->PQconsumeInput)
#define PQerrorMessage (lazy_pq()->PQerrorMessage)
#define PQexec (lazy_pq()->PQexec)
#define PQfinish (lazy_pq()->PQfinish)
#define PQfreeCancel (lazy_pq()->PQfreeCancel)
#define PQfreemem (lazy_pq()->PQfreemem)
#define PQgetCancel (lazy_pq()->PQgetCancel)
#define PQgetCopyData (lazy_pq()->PQgetCopyData)
#define PQgetResult (lazy_pq()->PQgetResult)
#define PQgetisnull (lazy_pq()->PQgetisnull)
#define PQgetlength (lazy_pq()->PQgetlength)
#define PQgetvalue (lazy_pq()->PQgetvalue)
#define PQisBusy (lazy_pq()->PQisBusy)
#define PQnfields (lazy_pq()->PQnfields)
#define PQntuples (lazy_pq()->PQntuples)
#define PQresultErrorField (lazy_pq()->PQresultErrorField)
#define PQresultErrorMessage (lazy_pq()->PQresultErrorMessage)
#define PQresultStatus (lazy_pq()->PQresultStatus)
#define PQsendQuery (lazy_pq()->PQsendQuery)
#define PQserverVersion (lazy_pq()->PQserverVersion)
#define PQsetSingleRowMode (lazy_pq()->PQsetSingleRowMode)
#define PQsocket (lazy_pq()->PQsocket)
#define PQstatus (lazy_pq()->PQstatus)
#endif
