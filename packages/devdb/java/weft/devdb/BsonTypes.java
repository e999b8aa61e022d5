package weft.devdb;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * How the H2 backend stores documents, {@code _id} keys and unique-index keys: as BSON, the
 * encoding the server already speaks on the wire. H2's default type for these values is Java
 * serialization, and re-serialising every document of every page a commit writes was most of the
 * H2 server's CPU time (JFR: {@code ObjectOutputStream} in 70 % of the samples of a webhook load).
 * A value BSON cannot hold (the server's own {@code Missing}, for example) falls back to H2's type,
 * behind a tag byte.
 */
final class BsonTypes {
    private BsonTypes() {
    }

    private static final ThreadLocal<ByteBuf> SCRATCH = ThreadLocal.withInitial(() -> Unpooled.buffer(4096));
    private static final ObjectDataType FALLBACK = new ObjectDataType();
    private static final byte TAG_H2 = 0;
    private static final byte TAG_BSON = 1;

    private static ByteBuf scratch() {
        ByteBuf buf = SCRATCH.get();
        buf.clear();
        return buf;
    }

    private static void putBytes(WriteBuffer buff, ByteBuf buf) {
        buff.put(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
    }

    /** A BSON reader over the next {@code length} bytes of {@code buff}, which it then skips. */
    private static ByteBuf slice(ByteBuffer buff, int length) {
        ByteBuffer part = buff.slice();
        part.limit(length);
        buff.position(buff.position() + length);
        return Unpooled.wrappedBuffer(part);
    }

    /**
     * A stored document: a tag byte, then one BSON document (its first four bytes are its length,
     * little-endian), or H2's type for a document BSON cannot hold.
     */
    static final class DocumentType extends BasicDataType<Document> {
        static final DocumentType INSTANCE = new DocumentType();

        @Override
        public int getMemory(Document document) {
            return Memory.of(document);
        }

        @Override
        public void write(WriteBuffer buff, Document document) {
            ByteBuf buf = scratch();
            try {
                BsonWriter.writeDocument(document, buf);
            } catch (RuntimeException notBson) {
                buff.put(TAG_H2);
                FALLBACK.write(buff, document);
                return;
            }
            buff.put(TAG_BSON);
            putBytes(buff, buf);
        }

        @Override
        public Document read(ByteBuffer buff) {
            if (buff.get() == TAG_H2) return (Document) FALLBACK.read(buff);
            int length = buff.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(buff.position());
            return BsonDecoder.decodeBson(slice(buff, length));
        }

        @Override
        public Document[] createStorage(int size) {
            return new Document[size];
        }
    }

    /** A single value (a document's {@code _id}, an index entry's position), in MongoDB's order. */
    static final class ValueType extends BasicDataType<Object> {
        static final ValueType INSTANCE = new ValueType();

        @Override
        public int compare(Object a, Object b) {
            // Every lookup by _id compares through here: the shortcut for values of one class.
            return OrderedIndex.compareValues(a, b);
        }

        @Override
        public int getMemory(Object value) {
            return Memory.ofValue(value);
        }

        @Override
        public void write(WriteBuffer buff, Object value) {
            writeValue(buff, value);
        }

        @Override
        public Object read(ByteBuffer buff) {
            return readValue(buff);
        }

        @Override
        public Object[] createStorage(int size) {
            return new Object[size];
        }
    }

    /** A unique index's key: its values in order, compared value by value in MongoDB's order. */
    static final class KeyValueType extends BasicDataType<KeyValue> {
        static final KeyValueType INSTANCE = new KeyValueType();

        @Override
        public int compare(KeyValue a, KeyValue b) {
            int shared = Math.min(a.size(), b.size());
            for (int i = 0; i < shared; i++) {
                int order = OrderedIndex.compareValues(a.get(i), b.get(i));
                if (order != 0) return order;
            }
            return Integer.compare(a.size(), b.size());
        }

        @Override
        public int getMemory(KeyValue key) {
            int memory = 24;
            for (Object value : key) memory += Memory.ofValue(value);
            return memory;
        }

        @Override
        public void write(WriteBuffer buff, KeyValue key) {
            buff.putVarInt(key.size());
            for (Object value : key) writeValue(buff, value);
        }

        @Override
        public KeyValue read(ByteBuffer buff) {
            int size = DataUtils.readVarInt(buff);
            List<Object> values = new ArrayList<>(size);
            for (int i = 0; i < size; i++) values.add(readValue(buff));
            return new KeyValue(values);
        }

        @Override
        public KeyValue[] createStorage(int size) {
            return new KeyValue[size];
        }
    }

    private static void writeValue(WriteBuffer buff, Object value) {
        byte type;
        try {
            type = BsonWriter.typeOf(value);
        } catch (RuntimeException notBson) {
            buff.put(TAG_H2);
            FALLBACK.write(buff, value);
            return;
        }
        ByteBuf buf = scratch();
        BsonWriter.writeValue(type, value, buf);
        buff.put(TAG_BSON).put(type).putVarInt(buf.readableBytes());
        putBytes(buff, buf);
    }

    private static Object readValue(ByteBuffer buff) {
        byte tag = buff.get();
        if (tag == TAG_H2) return FALLBACK.read(buff);
        byte type = buff.get();
        int length = DataUtils.readVarInt(buff);
        return BsonDecoder.decodeValue(type, slice(buff, length));
    }

    /**
     * A rough size on the heap, without encoding: H2 uses it to split pages and size its cache
     * (it samples, so this need not be exact).
     */
    static final class Memory {
        private Memory() {
        }

        static int of(Map<String, ?> document) {
            int memory = 48;
            for (Map.Entry<String, ?> entry : document.entrySet()) {
                memory += 32 + 2 * entry.getKey().length() + ofValue(entry.getValue());
            }
            return memory;
        }

        @SuppressWarnings("unchecked")
        static int ofValue(Object value) {
            if (value == null) return 8;
            if (value instanceof String text) return 40 + 2 * text.length();
            if (value instanceof Map<?, ?> map) return of((Map<String, ?>) map);
            if (value instanceof Collection<?> list) {
                int memory = 40;
                for (Object item : list) memory += 8 + ofValue(item);
                return memory;
            }
            if (value instanceof byte[] bytes) return 24 + bytes.length;
            return 24;
        }
    }
}
