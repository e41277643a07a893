// Deterministic generator of the "streaming" example's raw data: the streaming app's internal CSV
// exports (movies, users, streams) and a book vendor's NDJSON feeds (authors, books, reviews), with
// the messiness real exports have (nulls, letter-case drift, duplicate rows, malformed lines).
//
// Same options -> byte-identical files on every platform: the generator uses its own PRNG and
// integer arithmetic for everything it writes. Rows are streamed to disk through buffered writers;
// only the small catalogues (movies, books, authors, user e-mails) are held in memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

namespace strata::example {

struct StreamingDataOptions {
  std::filesystem::path out_dir;
  double scale = 1.0;  // 1 = about 20,000 streams (a few MB); must be in (0, 10000]
  uint64_t seed = 2021;
};

struct GeneratedFile {
  std::filesystem::path path;
  uint64_t rows = 0;  // data lines (header excluded), duplicate and malformed lines included
  uint64_t bytes = 0;
};

// How many rows each table gets at a scale.
struct StreamingDataSizes {
  uint64_t movies = 0;
  uint64_t users = 0;
  uint64_t streams = 0;
  uint64_t authors = 0;
  uint64_t books = 0;
  uint64_t reviews = 0;
};
StreamingDataSizes streaming_data_sizes(double scale);

// Writes, under options.out_dir:
//   internal/movies/movies.csv, internal/users/users.csv, internal/streams/streams-NNNN.csv,
//   vendor/authors/authors.ndjson, vendor/books/books.ndjson, vendor/reviews/reviews-NNNN.ndjson
// (NNNN from 0001; at most 2,000,000 streams and 1,000,000 reviews a part). Part files left there
// by an earlier run are removed first. Each file is written as "<name>.partial" and renamed when
// complete. on_progress(bytes_written_so_far, estimated_total_bytes) is called now and then (it may
// be an empty function). Throws strata::Error (kUsage for a bad scale, kStorage for I/O failures).
std::vector<GeneratedFile> generate_streaming_data(
    const StreamingDataOptions& options,
    const std::function<void(uint64_t, uint64_t)>& on_progress);

}  // namespace strata::example
