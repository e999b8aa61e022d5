package weft.devdb;

import java.lang.reflect.Field;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;

/**
 * The memory backend's collection with indexes that are used ({@link SecondaryIndexes#query}):
 *
 * <ul>
 * <li>mongo-java-server uses an index only when a query names exactly the index's fields, so
 * {@code {_id: x, status: 'running', leaseOwner: o}} (a compare-and-set) scanned the whole
 * collection. Here a query with an exact {@code _id} condition (a value, or {@code $in} of values)
 * reads the candidates from the {@code _id} index and matches the rest of the query against them.</li>
 * <li>Secondary indexes, which the stock server accepts but ignores, are real ordered indexes here
 * ({@link OrderedIndex}, built on first use): a sorted, limited page reads only its own documents.</li>
 * </ul>
 *
 * The same documents come back in the same order as from the stock scan. Collection sizes are not
 * tracked (see {@link #tracksDataSize}). Everything here runs under the collection's lock (the
 * stock collection's public methods are synchronized; {@link #count(Document, int, int)} is made so).
 */
final class IndexedMemoryCollection extends MemoryCollection
    implements Explain.Explainable, SecondaryIndexes.Host<Integer> {

    private final SecondaryIndexes<Integer> secondary = new SecondaryIndexes<>(Integer::compare);
    /**
     * The stock collection's list of documents, by position: an update's changed copy takes the
     * original's place here ({@link SecondaryIndexes#onCopies}). The stock collection changed the
     * listed document in place, so it has no way to replace one.
     */
    private final List<Document> stored;

    IndexedMemoryCollection(MongoDatabase database, String collectionName, CollectionOptions options,
                            CursorRegistry cursorRegistry) {
        super(database, collectionName, options, cursorRegistry);
        this.stored = storedDocuments(this);
    }

    @SuppressWarnings("unchecked")
    private static List<Document> storedDocuments(MemoryCollection collection) {
        try {
            Field documents = MemoryCollection.class.getDeclaredField("documents");
            documents.setAccessible(true);
            return (List<Document>) documents.get(collection);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("mongo-java-server's MemoryCollection has no list of documents", e);
        }
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
        return secondary.query(this, query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
    }

    @Override
    public synchronized Document explainFind(Document find) {
        return secondary.explain(this, getFullName(), find);
    }

    /** Not synchronized in the stock collection, but it reads the indexes. */
    @Override
    public synchronized int count(Document query, int skip, int limit) {
        return super.count(query, skip, limit);
    }

    @Override
    public synchronized void addIndex(Index<Integer> index) {
        if (!secondary.addSecondary(index, getIndexes())) {
            super.addIndex(index);
        }
    }

    @Override
    public synchronized void dropIndex(String indexName) {
        super.dropIndex(indexName);
        secondary.dropIndex(indexName);
    }

    @Override
    protected Integer addDocumentInternal(Document document) {
        return secondary.add(this, document, super::addDocumentInternal);
    }

    @Override
    public synchronized Document updateDocuments(Document selector, Document update, ArrayFilters arrayFilters,
                                                 boolean multi, boolean upsert, Oplog oplog) {
        return secondary.onCopies(() -> super.updateDocuments(selector, update, arrayFilters, multi, upsert, oplog));
    }

    @Override
    public synchronized Document findAndModify(Document query) {
        return secondary.onCopies(() -> super.findAndModify(query));
    }

    @Override
    protected void handleUpdate(Integer position, Document oldDocument, Document newDocument) {
        stored.set(position, newDocument);
        secondary.updated(this, position, oldDocument, newDocument);
    }

    @Override
    protected void removeDocument(Integer position) {
        secondary.removing(this, position);
        super.removeDocument(position);
    }

    // SecondaryIndexes.Host: the stock operations, for SecondaryIndexes.query (under the lock).

    @Override
    public String idField() {
        return getIdField();
    }

    @Override
    public List<Index<Integer>> stockIndexes() {
        return getIndexes();
    }

    @Override
    public Document documentAt(Integer position) {
        return getDocument(position);
    }

    @Override
    public int documentCount() {
        return count();
    }

    @Override
    public void forEachDocument(BiConsumer<Document, Integer> action) {
        // Positions run from 0 to the end of the stock collection's list; a removed document
        // leaves null. (streamAllDocumentsWithPosition skips those with a linear search of the
        // free positions for each position.)
        for (int position = 0; ; position++) {
            Document document;
            try {
                document = getDocument(position);
            } catch (IndexOutOfBoundsException end) {
                return;
            }
            if (document != null) {
                action.accept(document, position);
            }
        }
    }

    @Override
    public QueryResult matchPositions(Document query, Iterable<Integer> positions, Document orderBy, int skip,
                                      int limit, int batchSize, Document projection) {
        return matchDocuments(query, positions, orderBy, skip, limit, batchSize, projection);
    }

    @Override
    public QueryResult matchStream(Document query, Stream<Document> documents, Document orderBy, int skip, int limit,
                                   int batchSize, Document projection) {
        return matchDocumentsFromStream(documents, query, orderBy, skip, limit, batchSize, projection);
    }

    @Override
    public QueryResult stockQuery(Document query, Document orderBy, int skip, int limit, int batchSize,
                                  Document projection) {
        return super.queryDocuments(query, orderBy, skip, limit, batchSize, projection);
    }
}
