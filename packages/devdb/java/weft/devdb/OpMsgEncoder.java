package weft.devdb;

import de.bwaldvogel.mongo.wire.MongoWireMessageEncoder;
import de.bwaldvogel.mongo.wire.OpCode;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Encodes OP_MSG replies (every reply a current driver gets) as the stock
 * {@link MongoWireMessageEncoder} does, with the body written by {@link BsonWriter}.
 */
final class OpMsgEncoder extends MessageToByteEncoder<MongoMessage> {

    @Override
    protected void encode(ChannelHandlerContext ctx, MongoMessage message, ByteBuf out) {
        int start = out.writerIndex();
        out.writeIntLE(0);
        out.writeIntLE(message.getHeader().getRequestID());
        out.writeIntLE(message.getHeader().getResponseTo());
        out.writeIntLE(OpCode.OP_MSG.getId());
        out.writeIntLE(message.getFlags());
        out.writeByte(MongoMessage.SECTION_KIND_BODY);
        try {
            BsonWriter.writeDocument(message.getDocument(), out);
        } catch (RuntimeException notBson) {
            // A reply the client cannot read would leave it waiting: end the connection instead.
            ctx.channel().close();
            throw notBson;
        }
        out.setIntLE(start, out.writerIndex() - start);
    }
}
