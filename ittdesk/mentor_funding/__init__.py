"""Mentor training funding (issue 18): from the hours mentors train to each school's claim.

regions.py   a school's DfE funding region, from its GIAS district or LA code (or set by hand)
rates.py     each academic year's hour caps and hourly rates: DfE's published figures shipped
             as defaults, the provider's own rows (FundingYear) winning over them
ledger.py    per mentor, accredited provider and year: hours done, initial or refresher
             allowance, claimable hours, amount in whole pence; per school; what is missing
statements.py  "what you can claim": one PDF and one xlsx per partner school
sample.py    DfE's assurance sample answered from the records (claim_accepted, rejection_reason)

The rules are DfE's own (DFE-Digital/itt-mentor-services: app/models/claims/training_hours.rb,
training_allowance.rb, app/views/claims/schools/_grant_conditions.html.erb,
app/services/claims/sampling/generate_csv_file.rb); no Qt, no float money.
"""
