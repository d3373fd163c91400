// The descriptor attributes the model writes, each derived by hand from v5.7's
// arch/arm64/include/asm/{pgtable-hwdef,pgtable-prot}.h.
@testable import HotRemoveModel
import Testing

@Suite struct DescriptorTests {
    @Test func descriptorAttributes() {
        // PAGE_KERNEL: page type 0b11 | AF | SH inner | AttrIndx 4 | DBM(51) | PXN(53) | UXN(54)
        #expect(Descriptor.pageKernel == 0x0068_0000_0000_0713)
        // the same as a block: type bits 0b01
        #expect(Descriptor.blockKernel == 0x0068_0000_0000_0711)
        // PROT_SECT_NORMAL: block | AF | SH | AttrIndx 4 | PXN | UXN, no DBM
        #expect(Descriptor.sectNormal == 0x0060_0000_0000_0711)
        #expect(Descriptor.cont == 1 << 52)
    }
}
