namespace Turn.Protocol;
