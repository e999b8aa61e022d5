package weft.devdb;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import org.h2.mvstore.MVMap;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;

/**
 * The H2 backend's collection with the same query paths as the memory backend's
 * ({@link SecondaryIndexes#query}: by {@code _id}, through ordered secondary indexes, else stock).
 * The ordered indexes live on the heap only: they are built from the stored documents on the
 * collection's first use after start (one pass), and kept up to date from then on. A position is
 * a document's key in the H2 map (its {@code _id}); ties are ordered by the map's own key order,
 * the order of the stock scan.
 */
final class IndexedH2Collection extends H2Collection implements Explain.Explainable, SecondaryIndexes.Host<Object> {

    private final SecondaryIndexes<Object> secondary;

    IndexedH2Collection(MongoDatabase database, String collectionName, CollectionOptions options,
                        MVMap<Object, Document> dataMap, MVMap<String, Object> metaMap, CursorRegistry cursorRegistry) {
        super(database, collectionName, options, dataMap, metaMap, cursorRegistry);
        this.secondary = new SecondaryIndexes<>(dataMap.getKeyType()::compare);
    }

    /**
     * As on the memory backend: the stock collection BSON-encodes the whole old and new document
     * on every write to keep {@code collStats.size} exact, and on H2 writes the size to the file
     * with every commit too. Weft reads no collection sizes (collStats reports the last stored one).
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
    public synchronized void addIndex(Index<Object> index) {
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
    protected Object addDocumentInternal(Document document) {
        return secondary.add(this, document, super::addDocumentInternal);
    }

    /** The update changes a copy, which {@link #handleUpdate} puts in the map ({@link SecondaryIndexes#onCopies}). */
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
    protected void handleUpdate(Object position, Document oldDocument, Document newDocument) {
        super.handleUpdate(position, oldDocument, newDocument);
        secondary.updated(this, position, oldDocument, newDocument);
    }

    @Override
    protected void removeDocument(Object position) {
        secondary.removing(this, position);
        super.removeDocument(position);
    }

    // SecondaryIndexes.Host: the stock operations, for SecondaryIndexes.query (under the lock).

    @Override
    public String idField() {
        return getIdField();
    }

    @Override
    public List<Index<Object>> stockIndexes() {
        return getIndexes();
    }

    @Override
    public Document documentAt(Object position) {
        return getDocument(position);
    }

    @Override
    public int documentCount() {
        return count();
    }

    @Override
    public void forEachDocument(BiConsumer<Document, Object> action) {
        streamAllDocumentsWithPosition().forEach(d -> action.accept(d.getDocument(), d.getPosition()));
    }

    @Override
    public QueryResult matchPositions(Document query, Iterable<Object> positions, Document orderBy, int skip,
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
