// The PostgreSQL protocol message layer: framing with length checks, decoding of every frontend
// message, and robustness against random and truncated input (errors, never crashes).
#include <gtest/gtest.h>

#include <random>

#include "core/error.hpp"
#include "serve/pgwire/backend_messages.hpp"
#include "serve/pgwire/frame_decoder.hpp"
#include "serve/pgwire/frontend_messages.hpp"
#include "serve/pgwire/message_buffer.hpp"

namespace strata::serve::pgwire {
namespace {

// A frontend message as a client writes it: type byte, length, body.
std::string message(char type, const std::string& body) {
  std::string out(1, type);
  put_uint32(out, static_cast<uint32_t>(body.size() + 4));
  return out + body;
}

std::string startup_packet(const std::string& body) {
  std::string out;
  put_uint32(out, static_cast<uint32_t>(body.size() + 4));
  return out + body;
}

std::string int32(int32_t value) {
  std::string out;
  put_uint32(out, static_cast<uint32_t>(value));
  return out;
}

std::string int16(int16_t value) {
  std::string out;
  put_uint16(out, static_cast<uint16_t>(value));
  return out;
}

std::string cstr(const std::string& text) {
  return text + std::string(1, '\0');
}

TEST(PgwireFrames, CutsAStreamIntoMessagesWhateverTheChunking) {
  const std::string stream = message('Q', cstr("SELECT 1")) + message('S', "") + message('X', "");
  for (size_t step = 1; step <= stream.size(); ++step) {
    FrameDecoder decoder(1024);
    decoder.set_startup_phase(false);
    std::vector<Frame> frames;
    for (size_t at = 0; at < stream.size(); at += step) {
      decoder.feed(std::string_view(stream).substr(at, step));
      while (auto frame = decoder.next()) frames.push_back(*frame);
    }
    ASSERT_EQ(frames.size(), 3u) << "step " << step;
    EXPECT_EQ(frames[0].type, 'Q');
    EXPECT_EQ(decode_query(frames[0].body), "SELECT 1");
    EXPECT_EQ(frames[1].type, 'S');
    EXPECT_EQ(frames[2].type, 'X');
    EXPECT_EQ(decoder.buffered_bytes(), 0u);
  }
}

TEST(PgwireFrames, RejectsBadLengthsAndTypesAsSoonAsTheHeaderArrives) {
  FrameDecoder decoder(1000);
  decoder.set_startup_phase(false);
  std::string header(1, 'Q');
  put_uint32(header, 1u << 30);  // 1 GiB: refused before the body arrives
  decoder.feed(header);
  EXPECT_THROW(decoder.next(), Error);

  FrameDecoder small(1000);
  small.set_startup_phase(false);
  std::string tiny(1, 'Q');
  put_uint32(tiny, 3);  // a length must count itself
  small.feed(tiny);
  EXPECT_THROW(small.next(), Error);

  FrameDecoder unknown(1000);
  unknown.set_startup_phase(false);
  unknown.feed(message('z', ""));
  EXPECT_THROW(unknown.next(), Error);

  FrameDecoder startup(1000);
  std::string huge;
  put_uint32(huge, 100000);  // startup packets are at most 10000 bytes
  startup.feed(huge);
  EXPECT_THROW(startup.next(), Error);
}

TEST(PgwireFrames, DecodesStartupPackets) {
  std::string body = int32(kProtocolVersion3) + cstr("user") + cstr("alice") + cstr("database") +
                     cstr("shop") + cstr("application_name") + cstr("psql") + std::string(1, '\0');
  FrameDecoder decoder(1000);
  decoder.feed(startup_packet(body));
  auto frame = decoder.next();
  ASSERT_TRUE(frame);
  StartupPacket packet = decode_startup_packet(frame->body);
  EXPECT_EQ(packet.kind, StartupPacket::Kind::kStartup);
  EXPECT_EQ(packet.protocol, kProtocolVersion3);
  EXPECT_EQ(packet.option("user"), "alice");
  EXPECT_EQ(packet.option("database"), "shop");
  EXPECT_EQ(packet.option("application_name"), "psql");

  EXPECT_EQ(decode_startup_packet(int32(kSslRequestCode)).kind, StartupPacket::Kind::kSslRequest);
  EXPECT_EQ(decode_startup_packet(int32(kGssEncRequestCode)).kind,
            StartupPacket::Kind::kGssEncRequest);
  StartupPacket cancel = decode_startup_packet(int32(kCancelRequestCode) + int32(42) + int32(-7));
  EXPECT_EQ(cancel.kind, StartupPacket::Kind::kCancel);
  EXPECT_EQ(cancel.process_id, 42);
  EXPECT_EQ(cancel.secret_key, -7);
  // Unterminated options and trailing bytes are errors.
  EXPECT_THROW(decode_startup_packet(int32(kProtocolVersion3) + "user"), Error);
  EXPECT_THROW(decode_startup_packet(int32(kSslRequestCode) + "x"), Error);
}

TEST(PgwireMessages, DecodesTheExtendedProtocol) {
  ParseMessage parse =
      decode_parse(cstr("s1") + cstr("SELECT $1, $2") + int16(2) + int32(23) + int32(0));
  EXPECT_EQ(parse.statement, "s1");
  EXPECT_EQ(parse.query, "SELECT $1, $2");
  EXPECT_EQ(parse.parameter_types, (std::vector<uint32_t>{23, 0}));

  BindMessage bind = decode_bind(cstr("p") + cstr("s1") + int16(1) + int16(1) + int16(3) +
                                 int32(4) + int32(7) + int32(-1) + int32(0) + int16(1) + int16(1));
  EXPECT_EQ(bind.portal, "p");
  EXPECT_EQ(bind.statement, "s1");
  ASSERT_EQ(bind.parameters.size(), 3u);
  EXPECT_EQ(bind.parameters[0], int32(7));
  EXPECT_FALSE(bind.parameters[1].has_value());
  EXPECT_EQ(bind.parameters[2], "");
  EXPECT_EQ(bind.parameter_format(2), kBinaryFormat);
  EXPECT_EQ(result_format(bind.result_formats, 5, 9), kBinaryFormat);

  DescribeMessage describe = decode_describe("P" + cstr("p"));
  EXPECT_EQ(describe.kind, 'P');
  EXPECT_EQ(describe.name, "p");
  ExecuteMessage execute = decode_execute(cstr("p") + int32(10));
  EXPECT_EQ(execute.max_rows, 10);
  CloseMessage close = decode_close("S" + cstr("s1"));
  EXPECT_EQ(close.kind, 'S');
}

TEST(PgwireMessages, RejectsInconsistentBindMessages) {
  // A parameter longer than the message.
  EXPECT_THROW(decode_bind(cstr("") + cstr("") + int16(0) + int16(1) + int32(100) + "abc"), Error);
  // Two formats for three parameters.
  EXPECT_THROW(decode_bind(cstr("") + cstr("") + int16(2) + int16(0) + int16(0) + int16(3) +
                           int32(-1) + int32(-1) + int32(-1) + int16(0)),
               Error);
  // Format code 2 does not exist; counts are never negative.
  EXPECT_THROW(decode_bind(cstr("") + cstr("") + int16(1) + int16(2) + int16(0) + int16(0)), Error);
  EXPECT_THROW(decode_parse(cstr("") + cstr("x") + int16(-1)), Error);
  EXPECT_THROW(decode_describe("X" + cstr("")), Error);
  EXPECT_THROW(result_format({0, 1}, 0, 3), Error);
}

// Every decoder on random bytes and on every prefix of valid messages: an Error or a value, never
// a crash or a read outside the body (run under AddressSanitizer in `make debug-test`).
TEST(PgwireMessages, RandomAndTruncatedInputNeverCrashes) {
  const std::vector<std::string> valid = {
      cstr("p") + cstr("s") + int16(1) + int16(0) + int16(2) + int32(1) + "7" + int32(-1) +
          int16(1) + int16(1),
      cstr("s") + cstr("SELECT 1") + int16(1) + int32(23),
      "P" + cstr("portal"),
      cstr("portal") + int32(5),
      int32(kProtocolVersion3) + cstr("user") + cstr("u") + std::string(1, '\0'),
  };
  auto decode_all = [](const std::string& body) {
    int errors = 0;
    auto attempt = [&](auto&& decode) {
      try {
        decode(body);
      } catch (const Error&) {
        ++errors;
      }
    };
    attempt([](const std::string& b) { decode_bind(b); });
    attempt([](const std::string& b) { decode_parse(b); });
    attempt([](const std::string& b) { decode_describe(b); });
    attempt([](const std::string& b) { decode_close(b); });
    attempt([](const std::string& b) { decode_execute(b); });
    attempt([](const std::string& b) { decode_query(b); });
    attempt([](const std::string& b) { decode_startup_packet(b); });
    return errors;
  };
  for (const std::string& body : valid) {
    for (size_t length = 0; length < body.size(); ++length) decode_all(body.substr(0, length));
  }
  std::mt19937 random(12345);
  for (int round = 0; round < 20000; ++round) {
    std::string body(random() % 64, '\0');
    for (char& c : body) c = static_cast<char>(random() % 8 == 0 ? 0xff : random() % 256);
    decode_all(body);
  }
  // The frame decoder over a random stream: each round ends in frames, an error or a wait.
  for (int round = 0; round < 2000; ++round) {
    FrameDecoder decoder(4096);
    decoder.set_startup_phase(round % 2 == 0);
    std::string stream(random() % 200, '\0');
    for (char& c : stream) c = static_cast<char>(random() % 256);
    decoder.feed(stream);
    try {
      while (decoder.next()) {
      }
    } catch (const Error&) {
    }
  }
  SUCCEED();
}

TEST(PgwireMessages, WritesBackendMessagesWithCorrectLengths) {
  MessageWriter out;
  write_command_complete(out, "SELECT 3");
  ErrorFields error;
  error.sqlstate = "42P01";
  error.message = "no such table";
  write_error(out, error);
  write_ready_for_query(out, 'I');
  const std::string& bytes = out.buffer();
  ASSERT_EQ(bytes[0], 'C');
  EXPECT_EQ(get_uint32(bytes.data() + 1), 4u + 9u);
  const size_t error_at = 1 + 4 + 9;
  ASSERT_EQ(bytes[error_at], 'E');
  const uint32_t error_length = get_uint32(bytes.data() + error_at + 1);
  const std::string_view fields(bytes.data() + error_at + 5, error_length - 4);
  EXPECT_NE(fields.find(std::string("C42P01") + '\0'), std::string_view::npos);
  EXPECT_NE(fields.find(std::string("Mno such table") + '\0'), std::string_view::npos);
  EXPECT_EQ(bytes.substr(error_at + 1 + error_length), std::string("Z\0\0\0\5I", 6));
}

}  // namespace
}  // namespace strata::serve::pgwire
