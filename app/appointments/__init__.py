"""网上预约: halls, their windows and the items each serves, time slots with a capacity, bookings
(never over capacity), cancellation until a cut-off, a check-in code for the day, no-shows and
the booking ban they lead to, and the reminder the day before."""
