namespace Turn.Protocol.Tests;

public class WriterTests
{
    [Fact]
    public void Overflow_is_reported_not_thrown_and_keeps_the_last_complete_attribute()
    {
        var buffer = new byte[40];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Binding, StunClass.Request, TestHelpers.TransactionId);
        w.AddLifetime(1);                 // 28
        w.AddSoftware("0123456789");     // 28 + 16 = 44 > 40
        Assert.True(w.Overflowed);
        Assert.Equal(28, w.Length);
        w.AddFingerprint();              // still a no-op
        Assert.Equal(28, w.Length);
        StunMessage m = TestHelpers.ParseOk(w.Written); // what was written is a consistent message
        Assert.True(m.HasAttribute(StunAttributeType.Lifetime));
    }

    [Fact]
    public void Header_that_does_not_fit_overflows()
    {
        var w = new StunMessageWriter(new byte[19]);
        w.WriteHeader(StunMethod.Binding, StunClass.Request, TestHelpers.TransactionId);
        Assert.True(w.Overflowed);
        Assert.Equal(0, w.Length);
        w.AddLifetime(5);
        Assert.True(w.Overflowed);
    }

    [Fact]
    public void Message_may_not_exceed_the_16_bit_length()
    {
        var buffer = new byte[200000];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Send, StunClass.Indication, TestHelpers.TransactionId);
        w.AddData(new byte[65000]);
        Assert.False(w.Overflowed);
        w.AddData(new byte[1000]);
        Assert.True(w.Overflowed);
        Assert.Equal(20 + 4 + 65000, w.Length);
    }

    [Fact]
    public void Length_field_is_current_after_each_attribute()
    {
        var buffer = new byte[128];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Binding, StunClass.Request, TestHelpers.TransactionId);
        Assert.Equal(0, buffer[3]);
        w.AddUsername("abcde");
        Assert.Equal(12, buffer[3]);
        Assert.Equal(0, buffer[20 + 4 + 5]); // padding is zero
        w.AddFingerprint();
        Assert.Equal(20, buffer[3]);
        Assert.Equal(w.Length, 20 + buffer[3]);
    }

    [Fact]
    public void Misuse_throws()
    {
        var buffer = new byte[128];
        Assert.Throws<InvalidOperationException>(() =>
        {
            var w = new StunMessageWriter(buffer);
            w.AddLifetime(1);
        });
        Assert.Throws<ArgumentException>(() =>
        {
            var w = new StunMessageWriter(buffer);
            w.WriteHeader(StunMethod.Binding, StunClass.Request, new byte[11]);
        });
        Assert.Throws<ArgumentException>(() =>
        {
            var w = new StunMessageWriter(buffer);
            w.WriteClassicHeader(0x0001, new byte[12]);
        });
    }

    [Fact]
    public void Classic_unknown_attributes_repeat_an_odd_entry()
    {
        var buffer = new byte[128];
        var w = new StunMessageWriter(buffer);
        w.WriteClassicHeader(0x0111, new byte[16]);
        w.AddErrorCode(420);
        w.AddUnknownAttributes([0x0031]);
        StunMessage m = TestHelpers.ParseOk(w.Written);
        Assert.Equal(TestHelpers.Hex("00310031"), TestHelpers.Attribute(m, StunAttributeType.UnknownAttributes).ToArray());
    }
}
