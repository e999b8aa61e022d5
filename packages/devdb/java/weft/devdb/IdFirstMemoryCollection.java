package weft.devdb;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;

/**
 * mongo-java-server uses an index only when a query names exactly the index's fields, so
 * {@code {_id: x, status: 'running', leaseOwner: o}} (a compare-and-set) scans the whole
 * collection. Here a query with an exact {@code _id} condition (a value, or {@code $in} of values)
 * reads the candidates from the {@code _id} index and matches the rest of the query against them:
 * the same documents match, found in O(1) instead of O(collection).
 * Collection sizes are not tracked (see {@link #tracksDataSize}). Secondary indexes, which the stock
 * server accepts but ignores, narrow equality queries on their first field ({@link EqualityIndex}).
 */
final class IdFirstMemoryCollection extends MemoryCollection {

    /** By field: the first field of each secondary index declared on this collection. */
    private final java.util.Map<String, EqualityIndex> equalityIndexes = new java.util.LinkedHashMap<>();

    IdFirstMemoryCollection(MongoDatabase database, String collectionName, CollectionOptions options,
                            CursorRegistry cursorRegistry) {
        super(database, collectionName, options, cursorRegistry);
    }

    /**
     * The stock memory collection BSON-encodes the whole old and new document on every write to keep
     * {@code collStats.size} exact; for a run holding a large payload that is most of an update's
     * cost. Weft reads no collection sizes, so they are not tracked (collStats reports 0).
     */
    @Override
    protected boolean tracksDataSize() {
        return false;
    }

    @Override
    protected QueryResult queryDocuments(Document query, Document orderBy, int numberToSkip, int limit, int batchSize,
                                         Document fieldSelector) {
        String idField = getIdField();
        Object idCondition = idField == null ? null : query.get(idField);
        if (idCondition != null && isExactIdCondition(idCondition)) {
            Document idQuery = new Document(idField, idCondition);
            for (Index<Integer> index : getIndexes()) {
                if (index.canHandle(idQuery)) {
                    // The index answers the _id condition exactly (a value, or $in of values); only
                    // the rest of the query is matched against what it found. Matching $in again
                    // per document would cost O(candidates × values).
                    Document rest = new Document(query);
                    rest.remove(idField);
                    return matchDocuments(rest, index.getPositions(idQuery), orderBy, numberToSkip, limit, batchSize,
                        fieldSelector);
                }
            }
        }
        // Equality on the first field of a secondary index: only the documents with that value.
        java.util.Set<Integer> best = null;
        for (java.util.Map.Entry<String, Object> condition : query.entrySet()) {
            EqualityIndex index = equalityIndexes.get(condition.getKey());
            java.util.Set<Integer> candidates = index == null ? null : index.candidates(condition.getValue());
            if (candidates != null && (best == null || candidates.size() < best.size())) {
                best = candidates;
            }
        }
        if (best != null) {
            java.util.List<Integer> positions = new java.util.ArrayList<>(best);
            java.util.Collections.sort(positions);
            return matchDocuments(query, positions, orderBy, numberToSkip, limit, batchSize, fieldSelector);
        }
        return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
    }

    @Override
    public synchronized void addIndex(Index<Integer> index) {
        super.addIndex(index);
        if (index.isUnique() || index.getKeys().isEmpty()) {
            return;
        }
        String field = index.getKeys().get(0).getKey();
        if (field.contains(".") || field.startsWith("$") || equalityIndexes.containsKey(field)) {
            return;
        }
        EqualityIndex equality = new EqualityIndex(field);
        streamAllDocumentsWithPosition().forEach(d -> equality.add(d.getDocument(), d.getPosition()));
        equalityIndexes.put(field, equality);
    }

    @Override
    protected Integer addDocumentInternal(Document document) {
        Integer position = super.addDocumentInternal(document);
        for (EqualityIndex index : equalityIndexes.values()) {
            index.add(document, position);
        }
        return position;
    }

    @Override
    protected void handleUpdate(Integer position, Document oldDocument, Document newDocument) {
        super.handleUpdate(position, oldDocument, newDocument);
        for (EqualityIndex index : equalityIndexes.values()) {
            index.remove(oldDocument, position);
            index.add(newDocument, position);
        }
    }

    @Override
    protected void removeDocument(Integer position) {
        Document document = getDocument(position);
        if (document != null) {
            for (EqualityIndex index : equalityIndexes.values()) {
                index.remove(document, position);
            }
        }
        super.removeDocument(position);
    }

    /** A plain value, or {@code {$in: [plain values]}}: conditions the unique _id index answers exactly. */
    private static boolean isExactIdCondition(Object condition) {
        if (condition instanceof Document document) {
            if (!document.keySet().equals(java.util.Set.of("$in")) || !(document.get("$in") instanceof java.util.Collection<?> values)) {
                return false;
            }
            for (Object value : values) {
                if (value == null || value instanceof Document || value instanceof java.util.Collection<?>
                    || BsonRegularExpression.isRegularExpression(value)) {
                    return false;
                }
            }
            return true;
        }
        return !(condition instanceof java.util.Collection<?>) && !BsonRegularExpression.isRegularExpression(condition);
    }
}
