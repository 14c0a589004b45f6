"""What a user writes, made a validated instance: schema, scenarios and overrides, loading, Excel
workbooks, the calendar, the shipped examples."""
