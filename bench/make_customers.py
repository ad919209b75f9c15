"""Writes a CSV of realistic customers (deterministic for a seed), for the
examples and the import benchmarks.

    python3 bench/make_customers.py ROWS OUT.csv [--bad-every N] [--seed S]

Indian and international names, phones, emails and cities; with --bad-every N,
every Nth row breaks one rule (a bad email, a short phone, a bad date, a
missing name) so that imports have failures to report.
"""

import argparse
import csv
import random

FIRST = ["Aarav", "Vivaan", "Aditya", "Ananya", "Diya", "Ishaan", "Kavya", "Meera", "Rohan", "Saanvi",
         "Arjun", "Priya", "Rahul", "Sneha", "Vikram", "Lakshmi", "Farhan", "Zoya", "Harpreet", "Gurleen",
         "Olivia", "Liam", "Emma", "Noah", "Sophia", "Mateo", "Chloe", "Lucas", "Amara", "Kenji",
         "Yuki", "Fatima", "Omar", "Ines", "Thabo", "Nia", "Sven", "Elena", "Wei", "Mei"]
LAST = ["Sharma", "Iyer", "Reddy", "Nair", "Gupta", "Patel", "Menon", "Rao", "Das", "Singh",
        "Khan", "Mukherjee", "Kulkarni", "Pillai", "Chatterjee", "Smith", "Garcia", "Müller", "Rossi",
        "Dubois", "Tanaka", "Okafor", "Haddad", "Silva", "Johansson", "Kowalski", "Chen", "O'Brien"]
CITIES = [("Bengaluru", "Karnataka", "India", "560001", "+91"), ("Mumbai", "Maharashtra", "India", "400001", "+91"),
          ("Chennai", "Tamil Nadu", "India", "600001", "+91"), ("Kolkata", "West Bengal", "India", "700001", "+91"),
          ("Hyderabad", "Telangana", "India", "500001", "+91"), ("Pune", "Maharashtra", "India", "411001", "+91"),
          ("Jaipur", "Rajasthan", "India", "302001", "+91"), ("Kochi", "Kerala", "India", "682001", "+91"),
          ("London", "England", "United Kingdom", "EC1A 1BB", "+44"), ("Singapore", "", "Singapore", "018956", "+65"),
          ("Dubai", "", "United Arab Emirates", "", "+971"), ("New York", "NY", "United States", "10001", "+1"),
          ("Berlin", "", "Germany", "10115", "+49"), ("São Paulo", "SP", "Brazil", "01000-000", "+55")]
DOMAINS = ["example.in", "example.com", "mail.example.org", "corp.example.co.uk"]
HEADERS = ["customer_name", "phone", "email_id", "city", "state", "country", "pincode", "customer_code",
           "individual", "contact_info.0.first_name", "contact_info.0.last_name", "contact_info.0.dob",
           "enquiry_info.remarks"]
BREAKS = [("email_id", "not-an-email"), ("phone", "12345"), ("contact_info.0.dob", "31/02/1990"), ("customer_name", "")]


def rows(count, bad_every, seed):
    rng = random.Random(seed)
    for i in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state, country, pin, code = rng.choice(CITIES)
        local = f"{rng.randint(10000, 99999)}{i:07d}"[-10:]
        phone = f"{code} {local[:5]} {local[5:]}" if code == "+91" else f"{code} {local}"
        row = {
            "customer_name": f"{first} {last}",
            "phone": phone,
            "email_id": f"{first}.{last}.{i}@{rng.choice(DOMAINS)}".lower().replace("'", ""),
            "city": city, "state": state, "country": country, "pincode": pin,
            "customer_code": f"C{i:07d}",
            "individual": rng.choice(["true", "false"]),
            "contact_info.0.first_name": first, "contact_info.0.last_name": last,
            "contact_info.0.dob": f"{rng.randint(1950, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "enquiry_info.remarks": rng.choice(["", "Walk-in", "Website form", "Referral", "Trade fair"]),
        }
        if bad_every and i % bad_every == 0:
            field, value = BREAKS[(i // bad_every) % len(BREAKS)]
            row[field] = value
        yield row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("out")
    parser.add_argument("--bad-every", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows(args.rows, args.bad_every, args.seed))


if __name__ == "__main__":
    main()
