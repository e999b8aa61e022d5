package weft.devdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;

/**
 * The H2 backend's file: opened with no automatic commits ({@link GroupCommit} commits every write
 * before its reply), and with documents and unique-index keys stored as BSON ({@link BsonTypes}).
 *
 * <p>A file written before BSON (in H2's default types) is converted once when it is opened: every
 * document map and unique-index map is copied into the BSON form and the file is marked, all in one
 * commit, so a crash during the conversion leaves the file as it was.
 */
final class H2Store {
    private H2Store() {
    }

    /** A map of the store's own (a database name cannot hold a {@code $}); stock code never touches it. */
    private static final String FORMAT_MAP = "$weft.format";
    private static final String FORMAT_KEY = "maps";
    private static final String BSON = "bson-2";

    static MVStore open(String fileName) {
        MVStore store = new MVStore.Builder().fileName(fileName).autoCommitDisabled()
                // Every commit rewrites each leaf page it changed, with every document on it: with
                // H2's 16 KB pages a run's claim or step re-encoded its neighbours too. 4 KB pages hold
                // a run or two. Pages read back from the file (decoded anew) were 8 % of the
                // database's CPU with H2's 16 MB page cache.
                .pageSplitSize(4 << 10)
                .cacheSize(64)
                .open();
        MVMap<String, String> format = store.openMap(FORMAT_MAP);
        if (!BSON.equals(format.get(FORMAT_KEY))) {
            for (String name : new ArrayList<>(store.getMapNames())) {
                if (isDocumentMap(name)) convert(store, name, documentsBuilder());
                else if (isUniqueIndexMap(name)) convert(store, name, uniqueIndexBuilder());
            }
            format.put(FORMAT_KEY, BSON);
            store.commit();
        }
        return store;
    }

    /** A collection's documents by {@code _id}; the name is H2Database's ({@code databases.<db>.<collection>}). */
    static MVMap<Object, Document> documents(MVStore store, String name) {
        return store.openMap(name, documentsBuilder());
    }

    /**
     * Opens a unique index's map with BSON types before the stock code asks for it by name
     * ({@code MVStore.openMap} then hands out this instance).
     */
    static void openUniqueIndex(MVStore store, String name) {
        store.openMap(name, uniqueIndexBuilder());
    }

    private static boolean isDocumentMap(String name) {
        return name.startsWith("databases.");
    }

    private static boolean isUniqueIndexMap(String name) {
        return name.contains("._index_");
    }

    private static MVMap.Builder<Object, Document> documentsBuilder() {
        return new MVMap.Builder<Object, Document>()
                .keyType(BsonTypes.ValueType.INSTANCE)
                .valueType(BsonTypes.DocumentType.INSTANCE);
    }

    private static MVMap.Builder<KeyValue, Object> uniqueIndexBuilder() {
        return new MVMap.Builder<KeyValue, Object>()
                .keyType(BsonTypes.KeyValueType.INSTANCE)
                .valueType(BsonTypes.ValueType.INSTANCE);
    }

    private static <K, V> void convert(MVStore store, String name, MVMap.Builder<K, V> typed) {
        MVMap<K, V> old = store.openMap(name);
        List<Map.Entry<K, V>> entries = new ArrayList<>();
        for (Map.Entry<K, V> entry : old.entrySet()) entries.add(Map.entry(entry.getKey(), entry.getValue()));
        store.removeMap(old);
        MVMap<K, V> converted = store.openMap(name, typed);
        for (Map.Entry<K, V> entry : entries) converted.put(entry.getKey(), entry.getValue());
    }
}
