namespace Turn.Configuration;
