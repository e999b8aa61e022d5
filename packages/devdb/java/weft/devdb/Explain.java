package weft.devdb;

import java.util.List;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.bson.Document;

/**
 * {@code explain} of a {@code find}, which the stock server does not answer: it runs the query and
 * reports the plan it took and what it read, in MongoDB's shape ({@code queryPlanner.winningPlan}
 * with {@code IXSCAN}/{@code COLLSCAN} stages, {@code executionStats.totalKeysExamined},
 * {@code totalDocsExamined}, {@code nReturned}), so the same check runs against MongoDB and
 * against this server (packages/devdb tests, bench/src/runs-list.ts).
 */
final class Explain {

    private Explain() {
    }

    /** A collection that can run a find while recording its plan (under its lock). */
    interface Explainable {
        Document explainFind(Document find);
    }

    /** Runs a query as explained and returns the number of documents it returned. */
    interface QueryRunner {
        int run(Document filter, Document sort, int skip, int limit, Document projection);
    }

    /** The answer to an {@code explain} command, or null to leave the command to the server. */
    static Document command(MongoBackend backend, String databaseName, String command, Document query) {
        if (!command.equalsIgnoreCase("explain") || !(query.get(command) instanceof Document inner)
            || !(inner.get("find") instanceof String collectionName)) {
            return null;
        }
        MongoDatabase database = backend.resolveDatabase(databaseName);
        MongoCollection<?> collection = database.resolveCollection(collectionName, false);
        if (collection == null) {
            return response(databaseName + "." + collectionName, inner, new SecondaryIndexes.Stats(), 0, 0);
        }
        if (collection instanceof Explainable explainable) {
            return explainable.explainFind(inner);
        }
        return null;
    }

    /** Runs {@code find} with {@code indexes} recording; the caller holds the collection's lock. */
    static Document run(SecondaryIndexes<?> indexes, String namespace, Document find, QueryRunner runner) {
        Document filter = find.get("filter") instanceof Document f ? f : new Document();
        Document sort = find.get("sort") instanceof Document s ? s : null;
        int skip = find.get("skip") instanceof Number n ? n.intValue() : 0;
        int limit = find.get("limit") instanceof Number n ? Math.abs(n.intValue()) : 0;
        Document projection = find.get("projection") instanceof Document p ? p : null;
        SecondaryIndexes.Stats stats = new SecondaryIndexes.Stats();
        indexes.explaining = stats;
        long started = System.nanoTime();
        int returned;
        try {
            returned = runner.run(filter, sort, skip, limit, projection);
        } finally {
            indexes.explaining = null;
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        return response(namespace, find, stats, returned, millis);
    }

    private static Document response(String namespace, Document find, SecondaryIndexes.Stats stats, int returned,
                                     long millis) {
        Document plan;
        if (stats.indexName == null) {
            plan = new Document("stage", "COLLSCAN").append("direction", "forward");
        } else {
            Document scan = new Document("stage", "IXSCAN")
                .append("keyPattern", stats.keyPattern)
                .append("indexName", stats.indexName)
                .append("isMultiKey", false)
                .append("direction", stats.direction);
            if (stats.bounds != null) {
                scan.append("indexBounds", stats.bounds);
            }
            plan = new Document("stage", "FETCH").append("inputStage", scan);
        }
        Object sort = find.get("sort");
        if (stats.sorted && sort instanceof Document sortPattern && !sortPattern.isEmpty()) {
            plan = new Document("stage", "SORT").append("sortPattern", sortPattern).append("inputStage", plan);
        }
        if (find.get("limit") instanceof Number limit && limit.intValue() != 0) {
            plan = new Document("stage", "LIMIT").append("limitAmount", Math.abs(limit.intValue()))
                .append("inputStage", plan);
        }
        Document filter = find.get("filter") instanceof Document f ? f : new Document();
        Document response = new Document()
            .append("explainVersion", "1")
            .append("queryPlanner", new Document("namespace", namespace)
                .append("parsedQuery", filter)
                .append("winningPlan", plan)
                .append("rejectedPlans", List.of()))
            .append("executionStats", new Document("executionSuccess", true)
                .append("nReturned", returned)
                .append("executionTimeMillis", millis)
                .append("totalKeysExamined", stats.keysExamined)
                .append("totalDocsExamined", stats.docsExamined))
            .append("command", find)
            .append("ok", 1.0);
        return response;
    }
}
