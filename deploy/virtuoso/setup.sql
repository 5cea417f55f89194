-- Virtuoso 7 as mcep-ld's public store. Run once, as dba, on a new database:
--   isql-vt HOST:PORT dba DBA_PASSWORD deploy/virtuoso/setup.sql -u writer=mcep password=SECRET
-- then set store_user = "mcep" and MCEP_STORE_PASSWORD=SECRET.

-- Virtuoso's own graphs (its mapping schema, the LDP vocabulary, its endpoint's service description) are
-- made private: without this every query on the default graph, the union of all graphs, counts them too.
DB.DBA.RDF_GRAPH_GROUP_CREATE ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 1);
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 'http://www.openlinksw.com/schemas/virtrdf#');
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 'http://www.w3.org/ns/ldp#');
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 'http://localuriqaserver/sparql');
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);
-- Every other graph, the hub's, is read by anyone: /sparql answers anonymously.
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 1, 0);

-- The account the hub writes with (/sparql-auth and /sparql-graph-crud-auth, digest authentication): it
-- reads and writes the public graphs, never the private ones.
DB.DBA.USER_CREATE ('$U{writer}', '$U{password}');
GRANT SPARQL_UPDATE TO "$U{writer}";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('$U{writer}', 3, 0);
