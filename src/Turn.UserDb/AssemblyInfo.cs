namespace Turn.UserDb;
