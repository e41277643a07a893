#!/usr/bin/env bash
# The main job on embedded defaults: create the streaming example, ingest its files into bronze,
# build the staging and trusted models, and print the answers to the six questions.
set -euo pipefail
STRATA="$1"
DIR="$2"
SCALE="${3:-1}"

if [[ ! -f "$DIR/strata.yml" ]]; then
  "$STRATA" example streaming "$DIR" --scale "$SCALE"
fi
"$STRATA" ingest --project "$DIR"
"$STRATA" run --project "$DIR"

ask() {
  printf '\n%s\n' "$1"
  "$STRATA" query --project "$DIR" "SELECT * FROM trusted.$2"
}
ask "1. What share of the streamed movies are based on books?" q1_movies_based_on_books
ask "2. How many users were streaming 'Unforgiven' during the Christmas-morning outage (07:00-12:00 UTC)?" q2_users_affected
ask "3. How many streamed movies are based on books by Singaporean authors?" q3_singaporean_book_movies
ask "4. What is the average streaming duration (minutes)?" q4_avg_streaming_duration
ask "5. What is the median streaming size (GB)?" q5_median_streaming_size
ask "6. How many users watched at least half of a movie in the last week of December?" q6_users_watched_half
