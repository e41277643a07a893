#include "cli/init_template.hpp"

#include <cctype>

namespace strata::cli {

std::string init_project_name(const std::string& directory_name) {
  std::string name;
  for (char c : directory_name) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "project_" + name;
  return name;
}

std::vector<TemplateFile> init_template_files(const std::string& directory_name) {
  const std::string name = init_project_name(directory_name);
  return {
      {"strata.yml",
       "# strata project: sources are loaded into bronze tables by `strata ingest`;\n"
       "# SQL models under models/ are built by `strata run`.\n"
       "name: " +
           name +
           "\n\n"
           "sources:\n"
           "  shop:\n"
           "    kind: files\n"
           "    tables:\n"
           "      customers:\n"
           "        path: data/customers/*.csv\n"
           "        columns: {id: INTEGER, name: VARCHAR, country: VARCHAR, signed_up_at: "
           "TIMESTAMPTZ}\n\n"
           "models:\n"
           "  path: models\n"},
      {"data/customers/customers-0001.csv",
       "id,name,country,signed_up_at\n"
       "1,Ada Lovelace,gb,2024-01-03T10:00:00+00:00\n"
       "2,Grace Hopper,us,2024-01-05T15:30:00-05:00\n"
       "3,  Alan Turing ,GB,2024-02-11T08:15:00+00:00\n"
       "4,Edsger Dijkstra,nl,2024-02-20T12:00:00+01:00\n"
       "5,Barbara Liskov,US,2024-03-01T09:45:00-08:00\n"},
      {"models/staging/stg_customers.sql",
       "{{ config(materialized='view') }}\n"
       "-- Cleaned customers: trimmed names, upper-case country codes.\n"
       "select\n"
       "    id,\n"
       "    trim(name) as name,\n"
       "    upper(country) as country,\n"
       "    signed_up_at\n"
       "from {{ source('shop', 'customers') }}\n"},
      {"models/marts/customers_by_country.sql",
       "{{ config(materialized='table') }}\n"
       "select country, count(*) as customers, min(signed_up_at) as first_signup\n"
       "from {{ ref('stg_customers') }}\n"
       "group by country\n"
       "order by customers desc, country\n"},
      {".gitignore", ".strata/\ntarget/\n"},
  };
}

}  // namespace strata::cli
